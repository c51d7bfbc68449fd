package main

import (
	"syscall"
	"testing"
)

// TestWatchHearsMailboxesWithEncodedNames: a message appended on the server
// to a mailbox whose name is not plain ASCII on the wire (modified UTF-7:
// "Entwürfe" is "Entw&APw-rfe", "R&D" is "R&-D") must be pulled by a
// per-mailbox sync within the usual delay, as for INBOX, not wait for the
// next full sync (full_sync_interval, 30 minutes).
// Dovecot sends the names in its NOTIFY STATUS responses as UTF-8; a
// mailbox with a non-ASCII name or an "&" must still be synced when its
// mail arrives, not at the next full sync.
func TestWatchHearsMailboxesWithNonASCIINames(t *testing.T) {
	t.Parallel()
	a := newAccount(t, "")
	for _, name := range []string{"Entwürfe", "R&D"} {
		a.srv.CreateMailbox(t, a.user.Name, name)
	}
	w := startWatch(t, a)
	w.waitFor("the first full sync", isSynced("", anyCounts))
	for _, name := range []string{"Entwürfe", "R&D"} {
		a.srv.SaveMessage(t, a.user.Name, name, message("new in "+name))
		w.waitFor("a sync of "+name+" pulling the new message", func(ev map[string]any) bool {
			pulled, _ := ev["pulled"].(map[string]any)
			return ev["event"] == "synced" && ev["full"] != true && ev["mailbox"] == name && num(pulled, "new") == 1
		})
	}
	if code, _ := w.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("watch exit %d after SIGTERM", code)
	}
}
