package e2etest

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/internal/testenv"
	"github.com/imapdir/imapdir/maildir"
)

// seedDate is the INTERNALDATE of seeded messages.
var seedDate = time.Date(2024, 11, 3, 14, 5, 9, 0, time.UTC)

// flagSets are the flag combinations seeded messages get in turn: system
// flags, $Forwarded (Maildir letter P) and keywords (dovecot-keywords).
var flagSets = []string{
	``, `\Seen`, `\Seen \Answered`, `\Flagged`, `\Seen $Forwarded`,
	``, `\Seen`, `\Draft`, `\Seen work`, `\Seen \Flagged $Label1`,
}

// gen makes deterministic test messages with LF line endings (as Dovecot
// stores them) and varied sizes: mostly a few KB, some tens of KB, a few
// up to 150 KB, with 8-bit UTF-8 text, long lines and base64 blocks.
type gen struct {
	rnd    *rand.Rand
	prefix string
	n      int
}

func newGen(prefix string, seed uint64) *gen {
	return &gen{rnd: rand.New(rand.NewPCG(seed, 0x1dc0ffee)), prefix: prefix}
}

// id returns the Message-ID of the i-th message made by g.
func (g *gen) id(i int) string { return fmt.Sprintf("<%s.%d@e2e.imapdir.test>", g.prefix, i) }

// size picks a body size.
func (g *gen) size() int {
	switch p := g.rnd.IntN(100); {
	case p < 2:
		return 60_000 + g.rnd.IntN(90_000)
	case p < 15:
		return 8_000 + g.rnd.IntN(22_000)
	default:
		return 200 + g.rnd.IntN(3_800)
	}
}

// next returns a new message of about size body bytes (size <= 0: a
// random size).
func (g *gen) next(size int) []byte {
	i := g.n
	g.n++
	if size <= 0 {
		size = g.size()
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "Return-Path: <sender%d@example.org>\n", i%7)
	fmt.Fprintf(&b, "Message-ID: %s\n", g.id(i))
	fmt.Fprintf(&b, "Date: %s\n", seedDate.Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z))
	fmt.Fprintf(&b, "From: Sender %d <sender%d@example.org>\n", i%7, i%7)
	b.WriteString("To: Test User <user@example.com>\n")
	fmt.Fprintf(&b, "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= number %d\n", i)
	b.WriteString("X-Long-Header: folded\n\tcontinuation line with a tab\n")
	b.WriteString("MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n")
	for b.Len() < size {
		switch g.rnd.IntN(4) {
		case 0:
			b.WriteString("Grüße aus Köln, naïve café — ünïcödé text.\n")
		case 1:
			b.WriteString(strings.Repeat("long line ", 40) + "\n")
		case 2:
			for range 5 {
				b.WriteString(base64Line(g.rnd))
			}
		default:
			fmt.Fprintf(&b, "line %d of message %d\n", b.Len(), i)
		}
	}
	b.WriteString("-- \nend\n")
	return b.Bytes()
}

func base64Line(r *rand.Rand) string {
	const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var line [76]byte
	for i := range line {
		line[i] = abc[r.IntN(len(abc))]
	}
	return string(line[:]) + "\n"
}

// seeded is a message seedMailbox delivered.
type seeded struct {
	uid   uint32
	id    string // Message-ID
	flags string // as seeded
}

// seedMailbox delivers n generated messages into mailbox (which must
// exist) and gives the i-th one flagSets[(i+shift) % len]. Flags are set
// with one doveadm run per flag set. It returns the messages in UID order.
func seedMailbox(tb testing.TB, srv testenv.MailServer, user, mailbox string, g *gen, n, shift int) []seeded {
	tb.Helper()
	raws := make([][]byte, n)
	for i := range raws {
		raws[i] = g.next(0)
	}
	uids := srv.DeliverMessages(tb, user, mailbox, seedDate, raws...)
	msgs := make([]seeded, n)
	byFlags := map[string][]uint32{}
	for i, uid := range uids {
		fs := flagSets[(i+shift)%len(flagSets)]
		msgs[i] = seeded{uid: uid, id: messageID(raws[i]), flags: fs}
		if fs != "" {
			byFlags[fs] = append(byFlags[fs], uid)
		}
	}
	for fs, set := range byFlags {
		addFlags(tb, srv, user, mailbox, fs, set...)
	}
	return msgs
}

// uidsOf returns the UIDs of msgs.
func uidsOf(msgs []seeded) []uint32 {
	uids := make([]uint32, len(msgs))
	for i, m := range msgs {
		uids[i] = m.uid
	}
	return uids
}

// addFlags adds the space-separated flags to the messages uids with one
// doveadm run (Dovecot) or one IMAP session (the others).
func addFlags(tb testing.TB, srv testenv.MailServer, user, mailbox, flags string, uids ...uint32) {
	tb.Helper()
	changeFlags(tb, srv, user, mailbox, "add", flags, uids)
}

// removeFlags removes the space-separated flags from the messages uids.
func removeFlags(tb testing.TB, srv testenv.MailServer, user, mailbox, flags string, uids ...uint32) {
	tb.Helper()
	changeFlags(tb, srv, user, mailbox, "remove", flags, uids)
}

// changeFlags adds or removes flags on uids behind the stores' back.
func changeFlags(tb testing.TB, srv testenv.MailServer, user, mailbox, op, flags string, uids []uint32) {
	tb.Helper()
	switch s := srv.(type) {
	case *testenv.Server:
		s.Doveadm(tb, "flags", op, "-u", user, flags, "mailbox", mailbox, "uid", uidSet(uids))
	case *testenv.OtherServer:
		imapOp := map[string]string{"add": "+FLAGS", "remove": "-FLAGS"}[op]
		s.StoreFlags(tb, user, mailbox, imapOp, strings.Fields(flags), uids...)
	}
}

// moveOnServer moves uids from mailbox to dest as another client would.
func moveOnServer(tb testing.TB, srv testenv.MailServer, user, mailbox, dest string, uids ...uint32) {
	tb.Helper()
	switch s := srv.(type) {
	case *testenv.Server:
		s.Doveadm(tb, "move", "-u", user, dest, "mailbox", mailbox, "uid", uidSet(uids))
	case *testenv.OtherServer:
		s.Move(tb, user, mailbox, dest, uids...)
	}
}

func uidSet(uids []uint32) string {
	parts := make([]string, len(uids))
	for i, u := range uids {
		parts[i] = strconv.FormatUint(uint64(u), 10)
	}
	return strings.Join(parts, ",")
}

// localFolder opens the Maildir folder of mailbox under root.
func localFolder(tb testing.TB, root, mailbox string) *maildir.Folder {
	tb.Helper()
	f, err := maildir.LayoutFS.Open(root, mailbox)
	if err != nil {
		tb.Fatalf("opening local folder %q: %v", mailbox, err)
	}
	return f
}

// localEntries scans a local folder, sorted by unique name.
func localEntries(tb testing.TB, f *maildir.Folder) []maildir.Entry {
	tb.Helper()
	es, err := f.Scan(context.Background(), maildir.ScanOptions{})
	if err != nil {
		tb.Fatalf("scanning %s: %v", f.Path(), err)
	}
	sort.Slice(es, func(i, j int) bool { return es[i].Name.Unique < es[j].Name.Unique })
	return es
}

// setLocalFlags renames a local message's file to add and remove flag
// letters, as a mail reader does.
func setLocalFlags(tb testing.TB, f *maildir.Folder, e maildir.Entry, add, remove string) maildir.Entry {
	tb.Helper()
	fl := e.Flags().Union(maildir.ParseFlags(add)).Minus(maildir.ParseFlags(remove))
	ne, err := f.SetFlags(context.Background(), e, fl)
	if err != nil {
		tb.Fatalf("setting flags of %s: %v", e.Path(f), err)
	}
	return ne
}

// localByID scans a local folder and returns its entries by Message-ID.
func localByID(tb testing.TB, f *maildir.Folder) map[string]maildir.Entry {
	tb.Helper()
	m := map[string]maildir.Entry{}
	for _, e := range localEntries(tb, f) {
		text, err := os.ReadFile(e.Path(f))
		if err != nil {
			tb.Fatalf("reading %s: %v", e.Path(f), err)
		}
		m[messageID(text)] = e
	}
	return m
}

// deliverLocal delivers raw into a local folder the way a mail client
// saving a message does (LF text, into cur/ with flags).
func deliverLocal(tb testing.TB, f *maildir.Folder, raw []byte, flags string) maildir.Entry {
	tb.Helper()
	e, err := f.Deliver(context.Background(), bytes.NewReader(raw), maildir.DeliverOptions{
		Flags: maildir.ParseFlags(flags), ModTime: seedDate})
	if err != nil {
		tb.Fatalf("delivering into %s: %v", f.Path(), err)
	}
	return e
}
