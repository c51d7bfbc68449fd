package maildirstore

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/store"
)

// listAll returns the folder's messages by UID, after a scan.
func listAll(t *testing.T, mb store.Mailbox, withID bool) map[store.UID]store.Message {
	t.Helper()
	out := map[store.UID]store.Message{}
	err := mb.List(context.Background(), store.ListOptions{WithMessageID: withID}, func(ms []store.Message) error {
		for _, m := range ms {
			out[m.UID] = m
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// changesSince returns what Changes reports since cp, and the new checkpoint.
func changesSince(t *testing.T, mb store.Mailbox, cp store.Checkpoint, known []store.UID) (map[store.UID]store.Message, []store.UID, store.Checkpoint) {
	t.Helper()
	changed := map[store.UID]store.Message{}
	var vanished []store.UID
	req := store.ChangesRequest{Since: cp, WithMessageID: true}
	if known != nil {
		req.Known = slices.Values(known)
	}
	next, err := mb.Changes(context.Background(), req, func(cs store.ChangeSet) error {
		for _, m := range cs.Changed {
			changed[m.UID] = m
		}
		vanished = append(vanished, cs.Vanished...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return changed, vanished, next
}

// readerSetFlags renames the file of uid as a mail reader does to set
// letters, without the store knowing.
func (ts *testStore) readerSetFlags(t *testing.T, mailbox string, uid store.UID, letters string) {
	t.Helper()
	f, e := ts.fileOf(t, mailbox, uid)
	if _, err := f.SetFlags(context.Background(), e, maildir.ParseFlags(letters)); err != nil {
		t.Fatal(err)
	}
}

// TestUpdateFlagsKeepsReaderChange: a mail reader flags a message after
// the last scan; the engine then marks it seen. The file must end with
// both flags (the change applies to the file found on disk, not to the
// index's copy of its flags), and the reader's \Flagged must still be
// reported by the next Changes.
func TestUpdateFlagsKeepsReaderChange(t *testing.T) {
	ctx := context.Background()
	ts := newTestStore(t, maildir.LayoutFS)
	mb, cp := openWith(t, ts, "INBOX", 1)
	defer mb.Close()
	ts.readerSetFlags(t, "INBOX", 1, "F")
	if _, err := mb.UpdateFlags(ctx, store.FlagChange{UIDs: []store.UID{1}, Add: store.NewFlags(store.Seen)}); err != nil {
		t.Fatal(err)
	}
	_, e := ts.fileOf(t, "INBOX", 1)
	if got := e.Flags().String(); got != "FS" {
		t.Fatalf("file flags %q after the update, want FS (the reader's F kept)", got)
	}
	changed, _, _ := changesSince(t, mb, cp, nil)
	want := store.NewFlags(store.Flagged, store.Seen)
	if m, ok := changed[1]; !ok || !m.Flags.Equal(want) {
		t.Fatalf("Changes reports %+v, want uid 1 with %v (the reader's change)", changed, want)
	}
}

// TestReaderFlagToggleRounds plays many seeded rounds of a mail reader
// toggling flags while the store applies the engine's flag changes, with
// scans in between at random, and checks after every round that the index
// (List) shows exactly the file's flags and that every change of the
// reader's is reported by Changes since the previous checkpoint.
func TestReaderFlagToggleRounds(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { flagToggleRounds(t, seed) })
	}
}

func flagToggleRounds(t *testing.T, seed uint64) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 7))
	ts := newTestStore(t, maildir.LayoutFS)
	const n = 5
	mb, cp := openWith(t, ts, "INBOX", n)
	defer mb.Close()
	letters := []string{"F", "S", "R", "FS", "", "SR", "FR"}
	for round := 0; round < 60; round++ {
		uid := store.UID(1 + rng.IntN(n))
		var readerTouched []store.UID
		if rng.IntN(2) == 0 {
			_, e := ts.fileOf(t, "INBOX", uid)
			set := letters[rng.IntN(len(letters))]
			ts.readerSetFlags(t, "INBOX", uid, set)
			if e.Flags().String() != maildir.ParseFlags(set).String() {
				readerTouched = append(readerTouched, uid)
			}
		}
		if rng.IntN(2) == 0 {
			ch := store.FlagChange{UIDs: []store.UID{store.UID(1 + rng.IntN(n))}}
			if rng.IntN(2) == 0 {
				ch.Add = store.NewFlags(store.Answered)
			} else {
				ch.Remove = store.NewFlags(store.Answered)
			}
			if _, err := mb.UpdateFlags(ctx, ch); err != nil {
				t.Fatal(err)
			}
		}
		changed, _, next := changesSince(t, mb, cp, nil)
		for _, u := range readerTouched {
			if _, ok := changed[u]; !ok {
				_, e := ts.fileOf(t, "INBOX", u)
				t.Fatalf("round %d: the reader set %q on uid %d; Changes since the last checkpoint does not report it", round, e.Flags(), u)
			}
		}
		cp = next
		for u, m := range listAll(t, mb, false) {
			_, e := ts.fileOf(t, "INBOX", u)
			if want := flagsOf(e.Flags(), nil); !m.Flags.Equal(want) {
				t.Fatalf("round %d: uid %d listed with %v, its file %s has %v", round, u, m.Flags, e.File, want)
			}
		}
	}
}

// TestKeywordsBeyondTwentySix: a message with more keywords than the 26
// Dovecot letters is delivered; the keywords without a letter are kept in
// the index (listed, kept across a mail reader's rename, removable), and
// the full table is reported once per folder, not per message.
func TestKeywordsBeyondTwentySix(t *testing.T) {
	ctx := context.Background()
	var logBuf bytes.Buffer
	ts := newTestStore(t, maildir.LayoutFS)
	ts.log = slog.New(slog.NewTextHandler(&logBuf, nil))
	mb := open(t, ts, "INBOX")
	defer mb.Close()
	var kws []store.Flag
	for i := 1; i <= 28; i++ {
		kws = append(kws, store.Flag(fmt.Sprintf("kw%02d", i)))
	}
	all := store.NewFlags(kws...)
	for i := 0; i < 2; i++ {
		body := []byte(fmt.Sprintf("Message-ID: <kw%d@test>\r\n\r\nbody\r\n", i))
		_, err := mb.Append(ctx, store.NewMessage{Body: bytes.NewReader(body), Size: int64(len(body)),
			Flags: all, InternalDate: time.Unix(1700000000, 0)})
		if err != nil {
			t.Fatalf("append with 28 keywords: %v", err)
		}
	}
	if err := mb.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(logBuf.String(), "keyword letters"); n != 1 {
		t.Errorf("the full keyword table was reported %d times, want once:\n%s", n, logBuf.String())
	}
	got := listAll(t, mb, false)
	if len(got) != 2 || !got[1].Flags.Equal(all) || !got[2].Flags.Equal(all) {
		t.Fatalf("listed %+v, want 2 messages with all 28 keywords", got)
	}
	// A reader marks the first one seen: the two unlettered keywords stay.
	_, e := ts.fileOf(t, "INBOX", 1)
	ts.readerSetFlags(t, "INBOX", 1, e.Flags().With('S').String())
	got = listAll(t, mb, false)
	if want := all.Union(store.NewFlags(store.Seen)); !got[1].Flags.Equal(want) {
		t.Fatalf("after a reader's rename: %v, want %v", got[1].Flags, want)
	}
	if _, err := mb.UpdateFlags(ctx, store.FlagChange{UIDs: []store.UID{2}, Remove: store.NewFlags("kw28")}); err != nil {
		t.Fatal(err)
	}
	got = listAll(t, mb, false)
	if want := all.Minus(store.NewFlags("kw28")); !got[2].Flags.Equal(want) {
		t.Fatalf("after removing kw28: %v, want %v", got[2].Flags, want)
	}
}

// TestUpdateFlagsOnMovedFile: the reader moved the file to another folder
// after the scan; the flag change cannot be made here and is returned as
// a conflict (planned again), not reported as done.
func TestUpdateFlagsOnMovedFile(t *testing.T) {
	ctx := context.Background()
	ts := newTestStore(t, maildir.LayoutFS)
	if err := ts.CreateMailbox(ctx, "Archive", ""); err != nil {
		t.Fatal(err)
	}
	mb, _ := openWith(t, ts, "INBOX", 2)
	defer mb.Close()
	f, e := ts.fileOf(t, "INBOX", 2)
	if err := os.Rename(e.Path(f), filepath.Join(ts.root, "Archive", "cur", e.File)); err != nil {
		t.Fatal(err)
	}
	conflicts, err := mb.UpdateFlags(ctx, store.FlagChange{UIDs: []store.UID{1, 2}, Add: store.NewFlags(store.Seen)})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(conflicts, []store.UID{2}) {
		t.Fatalf("conflicts %v, want [2] (the moved file)", conflicts)
	}
}
