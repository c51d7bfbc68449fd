package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.RunMain(m)) }

// TestExport: every message of the mailbox lands in its own file, byte
// for byte as the server has it.
func TestExport(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	tmp := t.TempDir()
	ca := filepath.Join(tmp, "ca.pem")
	if err := os.WriteFile(ca, srv.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	srv.CreateMailbox(t, u.Name, "Archiv")
	raws := [][]byte{
		[]byte("Subject: one\r\n\r\nfirst\r\n"),
		append([]byte("Subject: two\r\n\r\n"), bytes.Repeat([]byte("a line of a big body\r\n"), 50000)...),
		[]byte("Subject: three\r\n\r\nthird\r\n"),
	}
	uids := srv.SaveMessages(t, u.Name, "Archiv", raws...)
	out := filepath.Join(tmp, "out")
	if err := os.Mkdir(out, 0o700); err != nil {
		t.Fatal(err)
	}
	args := []string{"-addr", srv.IMAPSAddr(), "-user", u.Name, "-pass-cmd", "printf %s " + u.Password, "-ca", ca,
		"-mailbox", "Archiv", "-dir", out}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var said strings.Builder
	if err := run(ctx, args, &said); err != nil {
		t.Fatal(err)
	}
	if said.String() != "3 messages\n" {
		t.Errorf("said %q", said.String())
	}
	for i, uid := range uids {
		got, err := os.ReadFile(filepath.Join(out, fmt.Sprintf("%d.eml", uid)))
		if err != nil || !bytes.Equal(got, raws[i]) {
			t.Errorf("message %d: %d bytes, %v; want %d bytes as saved", uid, len(got), err, len(raws[i]))
		}
	}
	if ents, _ := os.ReadDir(out); len(ents) != 3 {
		t.Errorf("%d files in the directory, want 3", len(ents))
	}
}
