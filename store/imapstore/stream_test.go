package imapstore_test

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/testenv"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/imapstore"
)

// TestFetchStreamsAscending: bodies asked in ascending UID order go from
// the socket to the callback without a spool file or a copy in memory:
// with a spool directory that does not exist and a window far smaller
// than the bodies, every body still arrives whole, with its UID and size.
// BINARY is disabled: where the server offers it, each body passes
// through memory or a spool file to be checked for NULs sent as 0x80
// (nul.go).
func TestFetchStreamsAscending(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	var raws [][]byte
	for i := range 5 {
		body := strings.Repeat(fmt.Sprintf("line %d of a large body\r\n", i), 2000)
		raws = append(raws, []byte(fmt.Sprintf("Message-ID: <big%d@test>\r\nSubject: %d\r\n\r\n%s", i, i, body)))
	}
	uids := srv.SaveMessages(t, u.Name, "INBOX", raws...)
	st := serverStore(t, srv, u, imapstore.Options{SpoolDir: t.TempDir() + "/missing", FetchWindow: 1024, DisableCaps: []imap.Cap{imap.CapBinary}})
	defer st.Close()
	b, err := st.OpenMailbox(t.Context(), "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var ask []store.UID
	for _, u := range uids {
		ask = append(ask, store.UID(u))
	}
	i := 0
	err = b.FetchBodies(t.Context(), ask, func(m store.Message, r io.Reader) error {
		got, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		if m.UID != ask[i] || m.Size != int64(len(raws[i])) || !bytes.Equal(got, raws[i]) {
			t.Errorf("body %d: UID %d size %d, %d bytes read; want UID %d, %d bytes", i, m.UID, m.Size, len(got), ask[i], len(raws[i]))
		}
		i++
		return nil
	})
	if err != nil || i != len(raws) {
		t.Fatalf("FetchBodies: %v after %d of %d bodies", err, i, len(raws))
	}
}
