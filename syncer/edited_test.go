package syncer

import (
	"bytes"
	"testing"
)

// A message edited in place on the near side (same Message-ID, same
// size: one identity) reaches the far side as the new content, and the
// far side is never left without the message: when the copy of the new
// content fails, the old far copy stays until a run copies it.
func TestEditedInPlaceNeverLeavesFarWithout(t *testing.T) {
	for _, fs := range featureSets() {
		t.Run(fs.name, func(t *testing.T) {
			e := newEnv(t, fs.feat, fs.feat)
			uid := e.seed(e.near, "INBOX", "d", `\Seen`)
			e.sync()
			edited := bytes.Replace(body("d"), []byte("body of d"), []byte("BODY OF D"), 1) // same size
			if _, err := e.near.EditBehind("INBOX", uid, edited); err != nil {
				t.Fatal(err)
			}
			failNextAppend(e.far)
			if res, _ := e.syncErr(e.opts); res.Mailboxes[0].Failed != 1 {
				t.Fatalf("report %+v, want one failed message", res.Mailboxes[0])
			}
			if n := e.count(e.far, "INBOX"); n != 1 {
				t.Fatalf("after the failed copy far holds %d messages, want the old one still (1)", n)
			}
			e.sync()
			if n := e.count(e.far, "INBOX"); n != 1 {
				t.Fatalf("far holds %d messages, want 1 (the edited one)", n)
			}
			e.converged() // the far copy is the edited content
		})
	}
}
