package readersim

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/internal/testenv"
	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/imapstore"
	"github.com/imapdir/imapdir/store/maildirstore"
	"github.com/imapdir/imapdir/syncer"
)

var (
	simDuration = flag.Duration("readersim.duration", 10*time.Second, "how long each seed's reader and syncs run")
	simSeeds    = flag.Int("readersim.seeds", 1, "how many seeds to run")
	simSeed0    = flag.Uint64("readersim.seed", 1, "the first seed")
)

func TestMain(m *testing.M) { os.Exit(testenv.RunMain(m)) }

// folders are the mailboxes the simulation works in.
var folders = []string{"INBOX", "Archive", "Drafts"}

// TestSimulate runs, per seed, a mail reader in the Maildir while syncs
// run back to back and the server gets new mail, flag changes and
// deletions; then it stops the reader, puts back what it emptied, syncs
// until a run has nothing to do, and checks: nothing lost, duplicated,
// truncated or stale, and the server and the Maildir hold the same
// messages in the same folders with the same flags.
//
// The default is one seed for 10 seconds (CI); `make simulate` runs 20
// seeds for a minute each.
func TestSimulate(t *testing.T) {
	var total Report
	for i := range *simSeeds {
		seed := *simSeed0 + uint64(i)
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			r := simulate(t, seed, *simDuration)
			t.Logf("seed %d: %v", seed, r)
			total.Expected += r.Expected
			total.Lost += r.Lost
			total.Duplicated += r.Duplicated
			total.Truncated += r.Truncated
			total.Stale += r.Stale
			total.Resurrected += r.Resurrected
			total.Unequal += r.Unequal
			if r.OK() && r.Resurrected > 0 {
				t.Logf("seed %d: %s", seed, strings.Join(r.Details, "\n"))
			}
			if !r.OK() {
				t.Errorf("seed %d: %v\n%s", seed, r, strings.Join(r.Details, "\n"))
			}
		})
	}
	t.Logf("%d seeds × %v: %v", *simSeeds, *simDuration, total)
}

// sim is one seed's world.
type sim struct {
	t      *testing.T
	srv    *testenv.Server
	user   testenv.User
	root   string
	db     *statedb.DB
	far    store.Store
	near   store.Store
	model  *Model
	rng    *rand.Rand
	serial int
	syncs  int
	errs   int
}

func simulate(t *testing.T, seed uint64, d time.Duration) Report {
	s := &sim{t: t, srv: testenv.Dovecot(t), root: t.TempDir(), model: NewModel(), rng: newRand(seed)}
	s.user = s.srv.NewUser(t)
	for _, f := range folders[1:] {
		s.srv.CreateMailbox(t, s.user.Name, f)
	}
	for _, f := range folders {
		s.deliverFar(f, 8)
	}
	s.open()
	defer s.close()
	s.sync(false)

	reader := NewReader(s.root, t.TempDir(), folders, s.model, seed)
	ctx, stop := context.WithTimeout(context.Background(), d)
	defer stop()
	readerDone := make(chan error, 1)
	go func() { readerDone <- reader.Run(ctx, 15*time.Millisecond) }()
	for ctx.Err() == nil {
		s.serverChange()
		s.sync(true)
	}
	if err := <-readerDone; err != nil {
		t.Fatalf("reader: %v", err)
	}
	if err := reader.RestoreAll(); err != nil {
		t.Fatalf("restoring emptied folders: %v", err)
	}
	settled := false
	for i := 0; i < 6 && !settled; i++ {
		settled = s.sync(true)
	}
	if !settled {
		t.Errorf("seed %d: still changing after 6 quiescent syncs", seed)
	}
	t.Logf("seed %d: %d syncs (%d with mailbox errors), reader steps %s", seed, s.syncs, s.errs, counts(reader))
	near, err := ReadMaildir(context.Background(), s.root)
	if err != nil {
		t.Fatal(err)
	}
	r := Compare(s.model, s.farSide(), near)
	if r.Lost > 0 {
		s.explainLost(near)
	}
	return r
}

// explainLost logs, for each message held by one side only, whether the
// Maildir store lists it and under which UID: listed, the engine did not
// copy it; not listed, the store missed the file.
func (s *sim) explainLost(near Side) {
	far := s.farSide()
	listed := map[string]string{}
	pairInfo := func(name string, uid store.UID) string {
		var out string
		err := s.db.View(context.Background(), func(tx *statedb.Tx) error {
			mb, ok, err := tx.MailboxByNearName(name)
			if err != nil || !ok {
				return err
			}
			p, found, err := tx.PairByNearUID(mb.ID, uint32(uid))
			out = fmt.Sprintf("pair %v %+v; mailbox near checkpoint %q UIDNEXT %d", found, p, mb.NearCheckpoint, mb.NearUIDNext)
			if nmb, ok, err := tx.NearMailboxByName(name); err == nil && ok {
				nm, _, _ := tx.NearMessageByUID(nmb.ID, uint32(uid))
				out += fmt.Sprintf("; near gen %d, message changed_gen %d", nmb.Generation, nm.ChangedGen)
			}
			return err
		})
		if err != nil {
			return err.Error()
		}
		return out
	}
	for _, name := range folders {
		mb, err := s.near.OpenMailbox(context.Background(), name)
		if err != nil {
			s.t.Logf("open %s: %v", name, err)
			continue
		}
		err = mb.List(context.Background(), store.ListOptions{WithMessageID: true}, func(ms []store.Message) error {
			for _, m := range ms {
				listed["<"+m.MessageID+">"] = fmt.Sprintf("%s UID %d %v: %s", name, m.UID, m.Flags, pairInfo(name, m.UID))
			}
			return nil
		})
		mb.Close()
		if err != nil {
			s.t.Logf("list %s: %v", name, err)
		}
	}
	for id := range s.model.Expected() {
		if len(far[id]) == 0 || len(near[id]) == 0 {
			where, ok := listed[id]
			s.t.Logf("one-sided %s (far %d, near %d): Maildir store lists it: %v %s", id, len(far[id]), len(near[id]), ok, where)
		}
	}
}

func counts(r *Reader) string {
	var parts []string
	for op := Op(0); op < numOps; op++ {
		parts = append(parts, fmt.Sprintf("%v=%d", op, r.Counts[op]))
	}
	return strings.Join(parts, " ")
}

// open opens the state database and both stores.
func (s *sim) open() {
	db, err := statedb.Open(context.Background(), statedb.DefaultPath(s.root), statedb.Options{})
	if err != nil {
		s.t.Fatal(err)
	}
	s.db = db
	dial := func(ctx context.Context) (*imapclient.Client, error) {
		c, err := imapclient.Dial(ctx, s.srv.IMAPAddr(), &imapclient.Options{InsecurePlaintext: true})
		if err != nil {
			return nil, err
		}
		if err := c.Login(ctx, s.user.Name, imapclient.SecretString(s.user.Password)); err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	}
	if s.far, err = imapstore.New(context.Background(), imapstore.Options{Dial: dial, SpoolDir: s.t.TempDir()}); err != nil {
		s.t.Fatal(err)
	}
	if s.near, err = maildirstore.New(maildirstore.Options{Root: s.root, DB: db}); err != nil {
		s.t.Fatal(err)
	}
}

func (s *sim) close() {
	s.far.Close()
	s.near.Close()
	s.db.Close()
}

// sync runs one account sync and reports whether it had nothing to do.
// Mailbox errors are counted (a file the reader changes while it is sent
// fails that mailbox for this run), not fatal; the quiescent runs at the
// end must have none.
func (s *sim) sync(tolerant bool) (idle bool) {
	res := s.run(syncer.DefaultOptions())
	if err := res.Err(); err != nil {
		s.errs++
		if !tolerant {
			s.t.Fatalf("sync %d: %v", s.syncs, err)
		}
		s.t.Logf("sync %d: %v", s.syncs, err)
		return false
	}
	for _, m := range res.Mailboxes {
		if m.New != [2]int{} || m.Changed != [2]int{} || m.Deleted != [2]int{} || m.Moved != [2]int{} ||
			m.Failed != 0 || m.Conflicts != 0 || m.Held != nil {
			return false
		}
	}
	return true
}

// run runs one account sync with opts; a store-level error is fatal.
func (s *sim) run(opts syncer.Options) syncer.Result {
	s.syncs++
	s.model.Epoch(s.syncs)
	eng, err := syncer.New(s.far, s.near, s.db, opts)
	if err != nil {
		s.t.Fatal(err)
	}
	res, err := eng.SyncAccount(context.Background())
	if err != nil {
		s.t.Fatalf("sync %d: %v", s.syncs, err)
	}
	return res
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 1)) }

// deliverFar saves n new messages into the server's folder.
func (s *sim) deliverFar(folder string, n int) {
	raws := make([][]byte, n)
	for i := range raws {
		s.serial++
		id := fmt.Sprintf("<far-%d@readersim>", s.serial)
		raws[i] = Message(id, "from the server", s.rng.IntN(50))
		s.model.Created(id, raws[i])
		s.model.Note(id, "delivered on the server in %s", folder)
	}
	s.srv.SaveMessages(s.t, s.user.Name, folder, raws...)
}

// serverChange makes one change on the server, as other clients and new
// mail do: a delivery, a flag change or a deletion.
func (s *sim) serverChange() {
	folder := folders[s.rng.IntN(len(folders))]
	switch s.rng.IntN(4) {
	case 0:
		s.deliverFar(folder, 1+s.rng.IntN(3))
		return
	}
	rows := s.srv.Fetch(s.t, s.user.Name, folder, "uid hdr.message-id")
	if len(rows) == 0 {
		return
	}
	row := rows[s.rng.IntN(len(rows))]
	uid, err := strconv.ParseUint(row["uid"], 10, 32)
	if err != nil {
		s.t.Fatalf("doveadm uid %q: %v", row["uid"], err)
	}
	switch s.rng.IntN(3) {
	case 0:
		text := strings.ReplaceAll(string(s.srv.FetchText(s.t, s.user.Name, folder, uint32(uid))), "\r\n", "\n")
		s.srv.Expunge(s.t, s.user.Name, folder, uint32(uid))
		id := strings.TrimSpace(row["hdr.message-id"])
		if id == "" {
			return
		}
		if latest, ok := s.model.Text(id); ok && subject(latest) != subject([]byte(text)) {
			// An older text deleted while the reader's edit had not
			// reached the server: the edit is a new message, kept.
			s.model.Note(id, "an older text deleted on the server in %s", folder)
			return
		}
		s.model.Deleted(id, "on the server in "+folder)
	case 1:
		s.srv.AddFlags(s.t, s.user.Name, folder, uint32(uid), []string{`\Seen`, `\Flagged`, `\Answered`}[s.rng.IntN(3)])
	default:
		s.srv.RemoveFlags(s.t, s.user.Name, folder, uint32(uid), []string{`\Seen`, `\Flagged`, `\Answered`}[s.rng.IntN(3)])
	}
}

// farSide reads the server's folders with doveadm: what Dovecot stored.
func (s *sim) farSide() Side {
	side := Side{}
	for _, name := range folders {
		out := s.srv.Doveadm(s.t, "-f", "pager", "fetch", "-u", s.user.Name, "flags text", "mailbox", name, "all")
		if out == "" {
			continue
		}
		for rec := range strings.SplitSeq(out, "\f\n") {
			head, text, ok := strings.Cut(rec, "\ntext:\n")
			flags, okf := strings.CutPrefix(head, "flags:")
			if !ok || !okf {
				s.t.Fatalf("doveadm fetch of %q: unexpected record %.200q", name, rec)
			}
			side.Add(name, []byte(strings.ReplaceAll(text, "\r\n", "\n")), store.ParseFlags(strings.TrimSpace(flags)))
		}
	}
	return side
}

// detailHead returns the first details of a report.
func detailHead(r Report) string {
	return strings.Join(r.Details[:min(len(r.Details), 8)], "\n")
}

func bytesReader(b []byte) *strings.Reader { return strings.NewReader(string(b)) }
