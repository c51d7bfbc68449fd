package imapstore_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/testenv"
	"github.com/imapdir/imapdir/store"
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
