package imapstore_test

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/testenv"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/imapstore"
)

// Issue 11, item 15: a message holding a NUL byte is appended byte for
// byte as a literal8 where the server offers BINARY (Dovecot does); where
// it does not, the message is refused alone with the reason, never
// altered, and the mailbox goes on taking messages.
func TestAppendNUL(t *testing.T) {
	srv := testenv.Dovecot(t)
	body := []byte("Message-ID: <nul@test>\r\nSubject: nul\r\n\r\nbefore\x00after\r\n")
	plain := genMessages("plain", 1, 200)[0]
	t.Run("binary", func(t *testing.T) {
		u := srv.NewUser(t)
		mb := openInbox(t, srv, u)
		uid, err := mb.Append(t.Context(), store.NewMessage{Size: int64(len(body)), Body: bytes.NewReader(body)})
		if err != nil || uid == 0 {
			t.Fatalf("Append: uid %d, %v", uid, err)
		}
		// FETCH BODY[] cannot return a NUL (Dovecot sends 0x80 there): what
		// Dovecot stored is read with doveadm, in its LF form.
		got := srv.FetchText(t, u.Name, "INBOX", uint32(uid))
		if want := bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n")); !bytes.Equal(got, want) {
			t.Errorf("stored %q, want %q", got, want)
		}
	})
	t.Run("no binary", func(t *testing.T) {
		mb := openInbox(t, srv, srv.NewUser(t), imap.CapBinary)
		_, err := mb.Append(t.Context(), store.NewMessage{Size: int64(len(body)), Body: bytes.NewReader(body)})
		if err == nil || store.ScopeOf(err) != store.ScopeMessage {
			t.Fatalf("Append of a NUL message without BINARY = %v, want a message-scoped refusal", err)
		}
		var se *store.Error
		if !errors.As(err, &se) || !bytes.Contains([]byte(err.Error()), []byte("NUL")) {
			t.Errorf("error %q does not name the NUL byte", err)
		}
		if uid, err := mb.Append(t.Context(), store.NewMessage{Size: int64(len(plain)), Body: bytes.NewReader(plain)}); err != nil || uid == 0 {
			t.Fatalf("next Append: uid %d, %v", uid, err)
		}
		n := 0
		if err := mb.List(t.Context(), store.ListOptions{}, func(ms []store.Message) error { n += len(ms); return nil }); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("mailbox holds %d messages, want only the plain one", n)
		}
	})
}

// A message holding NUL bytes on a server that offers BINARY arrives byte
// for byte, whether FetchBodies streams (ascending UIDs) or batches (any
// other order); messages with a 0x80 of their own, or with base64 and
// quoted-printable parts (which BINARY[] decodes), arrive as stored too.
func TestFetchNULExact(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	raws := [][]byte{
		[]byte("Message-ID: <nul@test>\nSubject: nul\n\nbefore\x00after\n"),
		[]byte("Message-ID: <mp@test>\nSubject: mp\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n\n--XX\nContent-Type: text/plain\n\nhi\x00there \xc3\x80\n--XX\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\nAAEC\n--XX\nContent-Type: text/plain\n\ntail\x00 \xc3\x80\n--XX--\n"),
		[]byte("Message-ID: <qp@test>\nSubject: qp\nContent-Transfer-Encoding: quoted-printable\n\nx=3Dy \xc3\x80\n"),
		[]byte("Message-ID: <b64@test>\nSubject: b64 \xc3\x80\nContent-Transfer-Encoding: base64\n\naGVsbG8gd29ybGQK\n"),
		[]byte("Message-ID: <plain@test>\nSubject: plain\n\nno nul here\n"),
	}
	uids := srv.DeliverMessages(t, u.Name, "INBOX", time.Now(), raws...)
	want := map[store.UID][]byte{}
	for i, raw := range raws {
		want[store.UID(uids[i])] = bytes.ReplaceAll(raw, []byte("\n"), []byte("\r\n"))
	}
	if got := srv.FetchText(t, u.Name, "INBOX", uids[0]); !bytes.Contains(got, []byte("before\x00after")) {
		t.Skipf("server does not store the NUL: %q", got)
	}
	asc := []store.UID{store.UID(uids[0]), store.UID(uids[1]), store.UID(uids[2]), store.UID(uids[3]), store.UID(uids[4])}
	desc := []store.UID{asc[4], asc[3], asc[2], asc[1], asc[0]}
	// The default window holds the bodies in memory; a window of 256 bytes
	// sends them through spool files.
	for _, window := range []int64{0, 256} {
		st := serverStore(t, srv, u, imapstore.Options{FetchWindow: window, SpoolDir: t.TempDir()})
		defer st.Close()
		mb, err := st.OpenMailbox(t.Context(), "INBOX")
		if err != nil {
			t.Fatal(err)
		}
		defer mb.Close()
		if err := mb.List(t.Context(), store.ListOptions{}, func([]store.Message) error { return nil }); err != nil {
			t.Fatal(err)
		}
		fetchNULExact(t, mb, want, asc, desc)
	}
}

func fetchNULExact(t *testing.T, mb store.Mailbox, want map[store.UID][]byte, asc, desc []store.UID) {
	for _, order := range [][]store.UID{asc, desc} {
		var got []store.UID
		err := mb.FetchBodies(t.Context(), order, func(m store.Message, r io.Reader) error {
			body, err := io.ReadAll(r)
			if err != nil {
				return err
			}
			got = append(got, m.UID)
			if !bytes.Equal(body, want[m.UID]) {
				t.Errorf("UID %d: got %q, want %q", m.UID, body, want[m.UID])
			}
			if m.Size != int64(len(want[m.UID])) {
				t.Errorf("UID %d: size %d, want %d", m.UID, m.Size, len(want[m.UID]))
			}
			return nil
		})
		if err != nil {
			t.Fatalf("FetchBodies(%v): %v", order, err)
		}
		slices.Sort(got)
		if !slices.Equal(got, asc) {
			t.Errorf("FetchBodies(%v) delivered %v", order, got)
		}
	}
}

// A message whose BODY[] holds a 0x80 that BINARY[] cannot line up with
// the stored bytes (it lies between two decoded base64 parts that hold
// NULs) is refused alone, with a message-scoped reason, never handed on
// altered; the other messages are delivered.
func TestFetchNULRefusedWhenAmbiguous(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	amb := []byte("Message-ID: <amb@test>\nSubject: amb\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n\n--XX\nContent-Transfer-Encoding: base64\n\nAAEC\n--XX\nContent-Type: text/plain\n\n\x00 \xc3\x80\n--XX\nContent-Transfer-Encoding: base64\n\nAAEC\n--XX--\n")
	plain := []byte("Message-ID: <plain@test>\nSubject: plain\n\nno nul here\n")
	uids := srv.DeliverMessages(t, u.Name, "INBOX", time.Now(), amb, plain)
	mb := openInbox(t, srv, u)
	var delivered []store.UID
	var refused error
	err := mb.FetchBodies(t.Context(), []store.UID{store.UID(uids[0]), store.UID(uids[1])}, func(m store.Message, r io.Reader) error {
		if _, err := io.ReadAll(r); err != nil {
			if m.UID != store.UID(uids[0]) {
				t.Errorf("UID %d: %v", m.UID, err)
			}
			refused = err
			return nil
		}
		delivered = append(delivered, m.UID)
		return nil
	})
	if err != nil {
		t.Fatalf("FetchBodies: %v", err)
	}
	if !slices.Equal(delivered, []store.UID{store.UID(uids[1])}) {
		t.Errorf("delivered %v, want only UID %d", delivered, uids[1])
	}
	if refused == nil || store.ScopeOf(refused) != store.ScopeMessage || !bytes.Contains([]byte(refused.Error()), []byte("NUL")) {
		t.Errorf("ambiguous message read as %v, want a message-scoped refusal naming NUL", refused)
	}
}
