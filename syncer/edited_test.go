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

// A message edited in place on the near side into a text that max_size
// (or max_age) keeps from being copied leaves the old far copy alone: the
// filter holds back the new text, it does not make the edit a deletion.
func TestEditedInPlaceFilteredKeepsFarCopy(t *testing.T) {
	for _, fs := range featureSets() {
		t.Run(fs.name, func(t *testing.T) {
			e := newEnv(t, fs.feat, fs.feat)
			uid := e.seed(e.near, "INBOX", "d", `\Seen`)
			e.sync()
			big := body("d", string(bytes.Repeat([]byte("x"), 4000)))
			if _, err := e.near.EditBehind("INBOX", uid, big); err != nil {
				t.Fatal(err)
			}
			e.opts.MaxSize = 1000
			res := e.sync()
			if n := total(res, func(m MailboxReport) int { return len(m.Skipped) }); n != 1 {
				t.Errorf("%d messages reported skipped, want the edited one (1)", n)
			}
			if n := e.count(e.far, "INBOX"); n != 1 {
				t.Fatalf("far holds %d messages after the filtered edit, want the old copy (1)", n)
			}
			e.sync()
			if n := e.count(e.far, "INBOX"); n != 1 {
				t.Fatalf("far holds %d messages after a second run, want the old copy (1)", n)
			}
			if n := e.count(e.near, "INBOX"); n != 1 {
				t.Fatalf("near holds %d messages, want the edited one (1)", n)
			}
		})
	}
}
