package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A message holding a NUL byte on a server that offers BINARY (Dovecot)
// must arrive in the Maildir byte for byte: fetched with BODY[] Dovecot
// replaces the NUL by 0x80, so the local copy silently differs.
func TestPulledMessageWithNULKeepsItsBytes(t *testing.T) {
	a := newAccount(t, "")
	raw := []byte("From: a@example.com\nMessage-ID: <nul@example.com>\nSubject: nul\n\nbefore\x00after\n")
	a.srv.DeliverMessages(t, a.user.Name, "INBOX", time.Now(), raw)
	if got := a.srv.FetchText(t, a.user.Name, "INBOX", 1); !bytes.Contains(got, []byte("before\x00after")) {
		t.Skipf("server does not store the NUL: %q", got)
	}
	a.run("sync").must(t, 0)
	files, _ := filepath.Glob(filepath.Join(a.maildir, "INBOX", "*", "*"))
	if len(files) != 1 {
		t.Fatalf("want 1 file, got %v", files)
	}
	got, _ := os.ReadFile(files[0])
	got = bytes.ReplaceAll(got, []byte("\r\n"), []byte("\n"))
	if !bytes.Equal(got, raw) {
		t.Errorf("local copy differs from the server's message:\n got %q\nwant %q", got, raw)
	}
}

// A message with a NUL pushed from one machine and pulled on another
// must come back as it was sent.
func TestNULRoundTripBetweenTwoMaildirs(t *testing.T) {
	a := newAccount(t, "")
	a.run("sync").must(t, 0)
	raw := []byte("From: a@example.com\nMessage-ID: <lnul@example.com>\nSubject: lnul\n\na\x00b\n")
	if err := os.WriteFile(filepath.Join(a.maildir, "INBOX", "cur", "1.local:2,S"), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	a.run("sync").must(t, 0)
	other := filepath.Join(a.dir, "Other")
	a.writeConfig(strings.Replace(readFile(t, a.config), a.maildir, other, 1))
	a.run("sync").must(t, 0)
	files, _ := filepath.Glob(filepath.Join(other, "INBOX", "*", "*"))
	if len(files) != 1 {
		t.Fatalf("want 1 file, got %v", files)
	}
	got, _ := os.ReadFile(files[0])
	if !bytes.Equal(got, raw) {
		t.Errorf("second Maildir's copy differs:\n got %q\nwant %q", got, raw)
	}
}

// A message whose NULs cannot be recovered (a 0x80 between two base64
// parts that decode to NULs) is skipped with its reason, not stored
// altered; the mailbox's other messages are pulled.
func TestUnrecoverableNULMessageSkippedWithReason(t *testing.T) {
	a := newAccount(t, "")
	amb := []byte("Message-ID: <amb@example.com>\nSubject: amb\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n\n--XX\nContent-Transfer-Encoding: base64\n\nAAEC\n--XX\nContent-Type: text/plain\n\n\x00 \xc3\x80\n--XX\nContent-Transfer-Encoding: base64\n\nAAEC\n--XX--\n")
	plain := []byte("From: a@example.com\nMessage-ID: <plain@example.com>\nSubject: plain\n\nno nul\n")
	a.srv.DeliverMessages(t, a.user.Name, "INBOX", time.Now(), amb, plain)
	res := a.run("sync")
	files, _ := filepath.Glob(filepath.Join(a.maildir, "INBOX", "*", "*"))
	if len(files) != 1 {
		t.Fatalf("want only the plain message pulled, got %v\nstderr %s", files, res.stderr)
	}
	if got := readFile(t, files[0]); !strings.Contains(got, "<plain@example.com>") {
		t.Errorf("pulled %q, want the plain message", got)
	}
	if !strings.Contains(res.stderr, "NUL") {
		t.Errorf("stderr does not name the NUL reason:\n%s", res.stderr)
	}
}
