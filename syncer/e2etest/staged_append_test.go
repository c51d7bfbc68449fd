package e2etest

import (
	"bytes"
	"context"
	"testing"

	"github.com/imapdir/imapdir/statedb/statedbtest"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/maildirstore"
)

// TestStagedAppendSurvivesSecondOpen: maildirstore stages an append in
// tmp/ with its mtime already set to the INTERNALDATE; opening the same
// folder again before Flush (another handle, as the engine does while a
// batch is pending) runs maildir.Open's stale-tmp cleanup. It used to take
// the old mtime for a 36-hour-old leftover and remove the staged file, so
// Flush failed ("rename …/tmp/…: no such file or directory"); staleness is
// now judged by the later of mtime and ctime.
func TestStagedAppendSurvivesSecondOpen(t *testing.T) {
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
