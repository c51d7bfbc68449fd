package imapstore_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/internal/testenv"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/imapstore"
)

// Issue 11, item 11: mail delivered between DeleteMailbox's emptiness
// check and its deletion is never deleted with the mailbox: the deletion
// is refused (ErrMailboxNotEmpty) and the mailbox keeps its name and the
// message. An empty mailbox is still deleted, leaving no hidden name.
func TestDeleteMailboxKeepsMailDeliveredMeanwhile(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	st := serverStore(t, srv, u, imapstore.Options{})
	t.Cleanup(func() { st.Close() })
	other := serverStore(t, srv, u, imapstore.Options{})
	t.Cleanup(func() { other.Close() })
	for _, name := range []string{"Doomed", "Empty"} {
		if err := st.CreateMailbox(t.Context(), name, ""); err != nil {
			t.Fatal(err)
		}
	}
	body := genMessages("late", 1, 300)[0]
	imapstore.SetBeforeDelete(st, func() {
		mb, err := other.OpenMailbox(t.Context(), "Doomed")
		if err != nil {
			t.Error(err)
			return
		}
		defer mb.Close()
		if _, err := mb.Append(t.Context(), store.NewMessage{Size: int64(len(body)), Body: strings.NewReader(string(body))}); err != nil {
			t.Error(err)
		}
	})
	err := st.DeleteMailbox(t.Context(), "Doomed")
	if !errors.Is(err, store.ErrMailboxNotEmpty) {
		t.Fatalf("DeleteMailbox with mail delivered meanwhile = %v, want ErrMailboxNotEmpty", err)
	}
	mb, err := st.OpenMailbox(t.Context(), "Doomed")
	if err != nil {
		t.Fatalf("the mailbox is gone: %v", err)
	}
	if n := mb.Status().Messages; n != 1 {
		t.Errorf("Doomed holds %d messages, want the 1 delivered", n)
	}
	mb.Close()

	imapstore.SetBeforeDelete(st, nil)
	if err := st.DeleteMailbox(t.Context(), "Empty"); err != nil {
		t.Fatalf("DeleteMailbox of an empty mailbox: %v", err)
	}
	list, err := st.ListMailboxes(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, mi := range list {
		if strings.Contains(mi.Name, "Empty") || strings.Contains(mi.Name, "imapdir") {
			t.Errorf("mailbox %q left behind", mi.Name)
		}
	}
}
