package syncer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/memstore"
)

// TestRandomRounds drives both stores with random changes (new messages,
// flag changes, expunges, moves, on either side, never two on the same
// message in one round), syncs after each round — a third of the time
// after a sync crashed at a random durable step — and checks: the stores
// converge, a second run has nothing to do, and every message the model
// says exists is in its mailbox — no loss, no duplicate.
func TestRandomRounds(t *testing.T) {
	seeds, rounds := 18, 8
	if n, err := strconv.Atoi(os.Getenv("SYNCER_RANDOM_SEEDS")); err == nil {
		seeds = n
	}
	if testing.Short() || raceEnabled {
		seeds = 3
	}
	for seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { randomRun(t, uint64(seed), rounds) })
	}
}

var randomBoxes = []string{"INBOX", "Archive", "Lists/Go"}

// model is what the test believes: message id → mailbox.
type model map[string]string

func randomRun(t *testing.T, seed uint64, rounds int) {
	rng := rand.New(rand.NewPCG(seed, 7))
	sets := featureSets()
	feat := sets[int(seed)%len(sets)].feat
	e := newEnv(t, feat, feat)
	if seed%2 == 1 { // a far store that reports no moves (IMAP-like)
		e.far = memstore.New(memstore.Options{Features: feat})
	}
	e.opts.Force = true // small random mailboxes get emptied; the guards have their own tests
	for _, st := range []*memstore.Store{e.far, e.near} {
		for _, b := range randomBoxes[1:] {
			if err := st.CreateMailbox(context.Background(), b, ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	m := model{}
	next := 0
	for round := 0; round < rounds; round++ {
		touched := map[string]bool{}
		for range 1 + rng.IntN(6) {
			randomOp(e, rng, m, touched, &next)
		}
		if rng.IntN(3) == 0 {
			crashedSync(e, 1+rng.IntN(25))
		}
		e.sync()
		e.converged()
		e.far.ResetCounts()
		e.near.ResetCounts()
		e.sync()
		assertIdle(t, e)
		checkModel(t, e, m)
		if t.Failed() {
			t.Fatalf("seed %d round %d", seed, round)
		}
	}
}

// crashedSync runs a sync that crashes before durable step k (see
// crasher), dropping what the stores had not flushed.
func crashedSync(e *env, k int) {
	c := &crasher{k: k}
	hook := func(op, _ string) error {
		if mutatingOps[op] {
			return c.step()
		}
		return nil
	}
	e.far.SetOnOp(hook)
	e.near.SetOnOp(hook)
	eng := e.engine(e.opts)
	eng.beforeCommit = c.step
	_, _ = eng.SyncAccount(context.Background())
	e.far.SetOnOp(nil)
	e.near.SetOnOp(nil)
	if c.fired {
		e.far.Crash()
		e.near.Crash()
	}
}

// randomOp makes one random change on a random side.
func randomOp(e *env, rng *rand.Rand, m model, touched map[string]bool, next *int) {
	st := []*memstore.Store{e.far, e.near}[rng.IntN(2)]
	ids := make([]string, 0, len(m))
	for id := range m {
		if !touched[id] {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	op := rng.IntN(4)
	if len(ids) == 0 || op == 0 {
		id := fmt.Sprintf("r%d", *next)
		*next++
		box := randomBoxes[rng.IntN(len(randomBoxes))]
		e.seed(st, box, id, []string{``, `\Seen`, `\Flagged work`}[rng.IntN(3)])
		m[id], touched[id] = box, true
		return
	}
	id := ids[rng.IntN(len(ids))]
	touched[id] = true
	switch op {
	case 1:
		add := store.NewFlags([]store.Flag{store.Seen, store.Flagged, "work"}[rng.IntN(3)])
		rem := store.NewFlags([]store.Flag{store.Seen, store.Answered, "work"}[rng.IntN(3)])
		if err := st.ChangeFlagsBehind(m[id], e.uid(st, m[id], id), add, rem.Minus(add)); err != nil {
			e.t.Fatal(err)
		}
	case 2:
		e.expunge(st, m[id], id)
		delete(m, id)
	case 3:
		dest := randomBoxes[rng.IntN(len(randomBoxes))]
		if dest != m[id] {
			e.move(st, m[id], id, dest)
			m[id] = dest
		}
	}
}

// checkModel compares the far store's messages with the model.
func checkModel(t *testing.T, e *env, m model) {
	t.Helper()
	want := map[string][]string{}
	for id, box := range m {
		sum := sha256.Sum256(body(id))
		want[box] = append(want[box], hex.EncodeToString(sum[:]))
	}
	for _, mb := range e.far.Snapshot().Mailboxes {
		var got []string
		for _, msg := range mb.Messages {
			got = append(got, msg.SHA256)
		}
		slices.Sort(got)
		w := want[mb.Name]
		slices.Sort(w)
		if strings.Join(got, ",") != strings.Join(w, ",") {
			t.Errorf("mailbox %s holds %d messages, the model %d", mb.Name, len(got), len(w))
		}
		delete(want, mb.Name)
	}
	for box, w := range want {
		if len(w) > 0 {
			t.Errorf("mailbox %s missing with %d messages", box, len(w))
		}
	}
}
