//go:build e2ebugs

package e2etest

import (
	"bytes"
	"context"
	"testing"

	"github.com/imapdir/imapdir/statedb/statedbtest"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/maildirstore"
)

// TestBugStagedAppendRemovedByOpen: maildirstore stages an append in tmp/
// with its mtime already set to the INTERNALDATE; opening the same folder
// again before Flush (another handle, as the engine does while a batch is
// pending) runs maildir.Open's stale-tmp cleanup, which takes any tmp/
// file older than 36 h for a leftover and removes it, so Flush fails with
// "rename …/tmp/… : no such file or directory". Seen once end to end in
// TestInitialSyncAndChanges ("flush near mailbox INBOX"). The age test
// should use the time the tmp file was written (ctime, or set the mtime
// after the rename), not an mtime the writer chose.
func TestBugStagedAppendRemovedByOpen(t *testing.T) {
	ctx := context.Background()
	db := statedbtest.Open(t)
	st, err := maildirstore.New(maildirstore.Options{Root: t.TempDir(), DB: db})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.CreateMailbox(ctx, "INBOX", ""); err != nil {
		t.Fatal(err)
	}
	mb, err := st.OpenMailbox(ctx, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	body := []byte("Message-ID: <old@x>\r\nSubject: old\r\n\r\nold mail\r\n")
	if _, err := mb.Append(ctx, store.NewMessage{InternalDate: seedDate, Size: int64(len(body)), Body: bytes.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
	other, err := st.OpenMailbox(ctx, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	other.Close()
	if err := mb.Flush(ctx); err != nil {
		t.Errorf("Flush after another handle opened the folder: %v", err)
	}
	mb.Close()
}
