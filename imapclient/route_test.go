package imapclient

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/testenv"
)

// Each test here runs 10 commands of one kind at once on one connection,
// several rounds, against Dovecot, which answers pipelined commands in
// parallel and interleaves their untagged data: every command must get
// its own answer (route.go says how each kind is attributed).

const pipeWidth, pipeRounds = 10, 5

// TestPipelined10 runs each kind on one fixture (its 20 mailboxes take a
// while to create).
func TestPipelined10(t *testing.T) {
	f := newPipelineFixture(t)
	t.Run("SEARCH", func(t *testing.T) { pipelinedSearch(t, f) })
	t.Run("STATUS", func(t *testing.T) { pipelinedStatus(t, f) })
	t.Run("FETCH", func(t *testing.T) { pipelinedFetch(t, f) })
	t.Run("LIST", func(t *testing.T) { pipelinedList(t, f) })
	f.c.mu.Lock()
	peak := f.c.peakInflight
	f.c.mu.Unlock()
	t.Logf("peak in flight: %d", peak)
	if peak < 2 {
		t.Errorf("peak in flight %d: the commands were not pipelined", peak)
	}
}

// pipelineFixture is a user with 10 messages in INBOX (Message-ID
// <m1@example.org> ... <m10@...>, subject "message N") and 10 mailboxes
// "Box0".."Box9" and "Entwürfe0".."Entwürfe9", box i holding i messages.
type pipelineFixture struct {
	c    *Client
	uids []uint32 // INBOX UIDs of messages 1..10
}

func newPipelineFixture(t *testing.T) *pipelineFixture {
	srv := testenv.Dovecot(t)
	c, u := login(t, srv, nil)
	raws := make([][]byte, pipeWidth)
	for i := range raws {
		raws[i] = testMessage(i + 1)
	}
	f := &pipelineFixture{c: c, uids: srv.SaveMessages(t, u.Name, "INBOX", raws...)}
	for i := range pipeWidth {
		for _, name := range boxNames(i) {
			srv.CreateMailbox(t, u.Name, name)
			if i > 0 {
				srv.SaveMessages(t, u.Name, name, raws[:i]...)
			}
		}
	}
	if _, err := c.Select(testCtx(t), "INBOX", nil); err != nil {
		t.Fatal(err)
	}
	return f
}

func boxNames(i int) []string {
	return []string{fmt.Sprintf("Box%d", i), fmt.Sprintf("Entwürfe%d", i)}
}

// together runs f(0..pipeWidth-1) at once, pipeRounds times, and reports
// every error.
func together(t *testing.T, f func(ctx context.Context, i int) error) {
	t.Helper()
	ctx := testCtx(t)
	for range pipeRounds {
		var wg sync.WaitGroup
		errs := make([]error, pipeWidth)
		start := make(chan struct{})
		for i := range pipeWidth {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = f(ctx, i)
			}()
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		if t.Failed() {
			return
		}
	}
}

// pipelinedSearch: typed UIDSearch (ESEARCH, routed by its TAG
// correlator), generic UID SEARCH RETURN (ESEARCH through Command) and
// generic UID SEARCH without RETURN (untagged SEARCH, which the client
// serialises) each find exactly their message.
func pipelinedSearch(t *testing.T, f *pipelineFixture) {
	crit := func(i int) []imap.Value {
		return []imap.Value{imap.Atom("HEADER"), imap.AStr("Message-ID"), imap.AStr(fmt.Sprintf("<m%d@example.org>", i+1))}
	}
	check := func(kind string, i int, got imap.UIDSet) error {
		if want := imap.UIDSetOf(imap.UID(f.uids[i])); got.String() != want.String() {
			return fmt.Errorf("%s %d: got UIDs %v, want %v", kind, i, got, want)
		}
		return nil
	}
	together(t, func(ctx context.Context, i int) error {
		switch i % 3 {
		case 0:
			d, err := f.c.UIDSearch(ctx, crit(i)...)
			if err != nil {
				return err
			}
			return check("typed UIDSearch", i, d.UIDs)
		case 1:
			args := append([]imap.Value{imap.Atom("UID"), imap.Atom("SEARCH"), imap.Atom("RETURN"), imap.List{imap.Atom("ALL")}}, crit(i)...)
			return f.genericSearch(ctx, "generic ESEARCH", i, args, check)
		default:
			args := append([]imap.Value{imap.Atom("UID"), imap.Atom("SEARCH")}, crit(i)...)
			return f.genericSearch(ctx, "generic SEARCH", i, args, check)
		}
	})
}

func (f *pipelineFixture) genericSearch(ctx context.Context, kind string, i int, args []imap.Value, check func(string, int, imap.UIDSet) error) error {
	res, err := f.c.Command(ctx, args...)
	if err != nil {
		return err
	}
	var got imap.UIDSet
	n := 0
	for _, r := range res.Untagged {
		if r.Name() == "SEARCH" || r.Name() == "ESEARCH" {
			n++
			d, err := imap.ParseSearch(r, true)
			if err != nil {
				return err
			}
			got.AddSet(d.UIDs)
		}
	}
	if n != 1 {
		return fmt.Errorf("%s %d: %d search responses: %v", kind, i, n, res.Untagged)
	}
	return check(kind, i, got)
}

// pipelinedStatus: STATUS of 20 mailboxes (half with non-ASCII names,
// sent in modified UTF-7) at once, typed and generic, each gets the
// counts of its own mailbox.
func pipelinedStatus(t *testing.T, f *pipelineFixture) {
	together(t, func(ctx context.Context, i int) error {
		for _, name := range boxNames(i) {
			if i%2 == 0 {
				st, err := f.c.Status(ctx, name, "MESSAGES")
				if err != nil {
					return err
				}
				if st.Mailbox != name || st.Messages != uint32(i) {
					return fmt.Errorf("typed STATUS %s: got %s with %d messages", name, st.Mailbox, st.Messages)
				}
				continue
			}
			res, err := f.c.Command(ctx, imap.Atom("STATUS"), imap.Mailbox(name), imap.List{imap.Atom("MESSAGES")})
			if err != nil {
				return err
			}
			var got []*imap.StatusData
			for _, r := range res.Untagged {
				if st, err := imap.ParseStatus(r, false); err == nil {
					got = append(got, st)
				}
			}
			if len(got) != 1 || got[0].Mailbox != name || got[0].Messages != uint32(i) {
				return fmt.Errorf("generic STATUS %s: got %v", name, res.Untagged)
			}
		}
		return nil
	})
}

// pipelinedFetch: the same message fetched with different items by
// 10 commands at once, and different messages, typed and generic.
func pipelinedFetch(t *testing.T, f *pipelineFixture) {
	items := [][]string{{"ENVELOPE"}, {"RFC822.SIZE"}, {"INTERNALDATE"}, {"BODY.PEEK[HEADER.FIELDS (SUBJECT)]"}, {"BODYSTRUCTURE"}}
	together(t, func(ctx context.Context, i int) error {
		uid := imap.UIDSetOf(imap.UID(f.uids[0]))
		if i%2 == 1 {
			uid = imap.UIDSetOf(imap.UID(f.uids[i]))
		}
		it := items[i%len(items)]
		var msgs []*imap.FetchData
		if i%4 < 2 {
			res, err := f.c.UIDFetch(ctx, uid, Items(it...), nil)
			if err != nil {
				return err
			}
			msgs = res.Messages
		} else {
			res, err := f.c.Command(ctx, imap.Atom("UID"), imap.Atom("FETCH"), uid, imap.List(Items(it...)))
			if err != nil {
				return err
			}
			msgs = res.Fetches()
		}
		if len(msgs) != 1 || imap.UIDSetOf(msgs[0].UID).String() != uid.String() {
			return fmt.Errorf("FETCH %d of %v %v: got %d messages %v", i, uid, it, len(msgs), msgs)
		}
		m := msgs[0]
		var ok bool
		switch it[0] {
		case "ENVELOPE":
			ok = m.Envelope != nil
		case "RFC822.SIZE":
			ok = m.Size > 0
		case "INTERNALDATE":
			ok = !m.InternalDate.IsZero()
		case "BODYSTRUCTURE":
			ok = m.BodyStructure != nil
		default:
			ok = len(m.Sections) == 1
		}
		if !ok {
			return fmt.Errorf("FETCH %d %v: item missing in %+v", i, it, m)
		}
		return nil
	})
}

// pipelinedList: LIST with 10 different patterns at once, typed (with
// LIST-STATUS) and generic; each gets exactly the mailboxes its pattern
// matches.
func pipelinedList(t *testing.T, f *pipelineFixture) {
	together(t, func(ctx context.Context, i int) error {
		pattern := fmt.Sprintf("*%d", i)
		want := map[string]bool{}
		for _, n := range boxNames(i) {
			want[n] = true
		}
		got := map[string]bool{}
		if i%2 == 0 {
			res, err := f.c.List(ctx, "", pattern, &ListOptions{Status: []string{"MESSAGES"}})
			if err != nil {
				return err
			}
			for _, m := range res.Mailboxes {
				got[m.Name] = true
				if st := res.Status[m.Name]; st == nil || st.Messages != uint32(i) {
					return fmt.Errorf("LIST-STATUS %s: status %+v", m.Name, st)
				}
			}
			if len(res.Status) != len(want) {
				return fmt.Errorf("LIST-STATUS %q: %d status entries", pattern, len(res.Status))
			}
		} else {
			res, err := f.c.Command(ctx, imap.Atom("LIST"), imap.Mailbox(""), imap.Mailbox(pattern))
			if err != nil {
				return err
			}
			for _, r := range res.Untagged {
				if l, err := imap.ParseList(r, false); err == nil {
					got[l.Name] = true
				}
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("LIST %q: got %v, want %v", pattern, got, want)
		}
		return nil
	})
}

// TestRouteReversed: a server answering two pipelined commands in reverse
// order (which RFC 9051 §5.5 allows) still gives each its own data.
func TestRouteReversed(t *testing.T) {
	rows := []struct {
		name    string
		answers []string // %[1]s, %[2]s: tags of the first and second command
		run     func(ctx context.Context, c *Client, i int) (string, error)
		want    [2]string
	}{
		{"STATUS", []string{"* STATUS B (MESSAGES 2)", "* STATUS A (MESSAGES 1)"},
			func(ctx context.Context, c *Client, i int) (string, error) {
				st, err := c.Status(ctx, []string{"A", "B"}[i], "MESSAGES")
				if err != nil {
					return "", err
				}
				return fmt.Sprint(st.Mailbox, st.Messages), nil
			}, [2]string{"A1", "B2"}},
		{"LIST", []string{`* LIST () "/" B1`, `* LIST () "/" A1`},
			func(ctx context.Context, c *Client, i int) (string, error) {
				res, err := c.List(ctx, "", []string{"A*", "B*"}[i], nil)
				if err != nil || len(res.Mailboxes) != 1 {
					return fmt.Sprint(res), err
				}
				return res.Mailboxes[0].Name, nil
			}, [2]string{"A1", "B1"}},
		{"FETCH", []string{"* 1 FETCH (UID 5 RFC822.SIZE 77)", "* 1 FETCH (UID 5 FLAGS (\\Seen))", "* 1 FETCH (UID 5 ENVELOPE (NIL \"s\" NIL NIL NIL NIL NIL NIL NIL NIL))"},
			func(ctx context.Context, c *Client, i int) (string, error) {
				res, err := c.UIDFetch(ctx, imap.UIDSetOf(5), Items([]string{"ENVELOPE", "RFC822.SIZE"}[i]), nil)
				if err != nil || len(res.Messages) != 1 {
					return fmt.Sprint(res), err
				}
				m := res.Messages[0]
				if m.Envelope != nil {
					return m.Envelope.Subject, nil
				}
				return fmt.Sprint(m.Size), nil
			}, [2]string{"s", "77"}},
		{"ESEARCH", []string{`* ESEARCH (TAG "%[2]s") UID ALL 2`, `* ESEARCH (TAG "%[1]s") UID ALL 1`},
			func(ctx context.Context, c *Client, i int) (string, error) {
				d, err := c.UIDSearch(ctx, imap.Atom([]string{"SEEN", "UNSEEN"}[i]))
				if err != nil {
					return "", err
				}
				return d.UIDs.String(), nil
			}, [2]string{"1", "2"}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			fs := newFakeServer(t, func(f *fakeConn) {
				f.send("* OK [CAPABILITY IMAP4rev1 ESEARCH LIST-EXTENDED] fake")
				a := strings.Fields(f.read())[0]
				b := strings.Fields(f.read())[0]
				if a > b { // the commands raced: A2 may carry the first one
					a, b = b, a
				}
				for _, l := range row.answers {
					if strings.Contains(l, "%[") {
						l = fmt.Sprintf(l, a, b)
					}
					f.send(l)
				}
				f.send(b+" OK done", a+" OK done")
				f.serveOK()
			})
			c, err := Dial(testCtx(t), fs.addr(), &Options{InsecurePlaintext: true})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			// The first command is written before the second starts, so
			// that tags follow the order of i.
			ctx := testCtx(t)
			var got [2]string
			var errs [2]error
			var wg sync.WaitGroup
			first := make(chan struct{})
			wg.Add(2)
			go func() {
				defer wg.Done()
				got[0], errs[0] = row.run(ctx, c, 0)
			}()
			go func() {
				defer wg.Done()
				<-first
				got[1], errs[1] = row.run(ctx, c, 1)
			}()
			waitInflight(t, c, 1)
			close(first)
			wg.Wait()
			for i := range got {
				if errs[i] != nil || got[i] != row.want[i] {
					t.Errorf("command %d: got %q, %v; want %q", i, got[i], errs[i], row.want[i])
				}
			}
		})
	}
}

// waitInflight waits until n commands are in flight.
func waitInflight(t *testing.T, c *Client, n int) {
	t.Helper()
	waitClient(t, c, fmt.Sprintf("%d commands in flight", n), func() bool { return len(c.inflight) >= n })
}

// waitClient waits until cond, checked under c.mu, holds.
func waitClient(t *testing.T, c *Client, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c.mu.Lock()
		ok := cond()
		c.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		runtime.Gosched()
	}
}

func TestListMatch(t *testing.T) {
	rows := []struct {
		pattern, name string
		want          bool
	}{
		{"*", "a/b/c", true},
		{"%", "a/b", false},
		{"%", "a", true},
		{"a/%", "a/b", true},
		{"a/%", "a/b/c", false},
		{"a/*", "a/b/c", true},
		{"*3", "Box3", true},
		{"*3", "Box13", true},
		{"*3", "Box31", false},
		{"%/%", "a/b", true},
		{"", "", true},
		{"inbox", "INBOX", true},
		{"Entw&APw-rfe*", "Entw&APw-rfe3", true},
		{"*a*a*a*a*a*b", strings.Repeat("a", 100000), false}, // linear, not exponential
	}
	for _, r := range rows {
		if got := listMatch(r.pattern, r.name, '/', false); got != r.want {
			t.Errorf("listMatch(%q, %.20q) = %v, want %v", r.pattern, r.name, got, r.want)
		}
	}
}

func TestFetchItemsFit(t *testing.T) {
	resp := func(items string) *imap.Response {
		var l imap.List
		for _, it := range strings.Fields(items) {
			l = append(l, imap.Atom(it), imap.Number(1))
		}
		return &imap.Response{Tag: "*", Fields: []imap.Value{imap.Number(1), imap.Atom("FETCH"), l}}
	}
	rows := []struct {
		asked []string
		items string
		want  match
	}{
		{[]string{"ENVELOPE"}, "UID ENVELOPE", exact},
		{[]string{"ENVELOPE"}, "UID FLAGS", noMatch}, // a flag change
		{[]string{"FLAGS"}, "UID FLAGS", exact},
		{[]string{"BODY.PEEK[HEADER.FIELDS (A B)]"}, "BODY[HEADER.FIELDS]", exact},
		{[]string{"BODY.PEEK[]"}, "RFC822", fallback},           // named its own way
		{[]string{"FAST"}, "RFC822.SIZE INTERNALDATE", exact},   // a macro
		{[]string{"UID RFC822.SIZE"}, "UID RFC822.SIZE", exact}, // several in one Raw
		{[]string{"ENVELOPE", "RFC822.SIZE"}, "X-EXTRA ENVELOPE", exact},
	}
	for _, r := range rows {
		set := requestedItems("FETCH", []imap.Value{imap.List(Items(r.asked...))})
		if got := set.fit(resp(r.items)); got != r.want {
			t.Errorf("asked %v, got %q: %v, want %v", r.asked, r.items, got, r.want)
		}
	}
}

// TestSearchOneAtATime: without ESEARCH an untagged SEARCH answer cannot
// be attributed, so a second search waits until the first completed: a
// NOOP issued while both are pending is written before the second one.
func TestSearchOneAtATime(t *testing.T) {
	second := make(chan string, 1)
	fs := newFakeServer(t, func(f *fakeConn) {
		f.send("* OK [CAPABILITY IMAP4rev1] fake")
		a := strings.Fields(f.read())[0]
		l := f.read()
		second <- l
		f.send("* SEARCH 1", a+" OK done", strings.Fields(l)[0]+" OK done")
		b := strings.Fields(f.read())[0]
		f.send("* SEARCH 2", b+" OK done")
		f.serveOK()
	})
	c, err := Dial(testCtx(t), fs.addr(), &Options{InsecurePlaintext: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := testCtx(t)
	var got [2]*imap.SearchData
	var errs [2]error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); got[0], errs[0] = c.Search(ctx, imap.Atom("SEEN")) }()
	waitInflight(t, c, 1)
	wg.Add(1)
	go func() { defer wg.Done(); got[1], errs[1] = c.Search(ctx, imap.Atom("UNSEEN")) }()
	waitClient(t, c, "the second search to enter", func() bool { return c.active == 2 })
	if err := c.Noop(ctx); err != nil {
		t.Fatal(err)
	}
	if l := <-second; !strings.HasSuffix(l, " NOOP") {
		t.Errorf("second command on the wire: %q, want the NOOP (the second SEARCH must wait)", l)
	}
	wg.Wait()
	for i, want := range []string{"1", "2"} {
		if errs[i] != nil || got[i].Seqs.String() != want {
			t.Errorf("search %d: %v %v, want %s", i, got[i], errs[i], want)
		}
	}
}
