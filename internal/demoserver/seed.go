package demoserver

import (
	"bytes"
	"fmt"
	"math/rand/v2"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// Delimiter is the hierarchy delimiter of the in-memory server: "/"
// (imapmemserver's mailboxDelim), so "Archive/2024" is a child of "Archive".
const Delimiter = "/"

// MailboxInfo describes one mailbox's content.
type MailboxInfo struct {
	Name     string // UTF-8, "/"-separated
	Messages int
	Unseen   int
	Bytes    int64 // sum of the message sizes (RFC 822 size)
}

// boxPlan is one seeded mailbox: its share of the messages (percent) and
// how its messages are flagged.
type boxPlan struct {
	name  string
	share int
	flags func(r *rand.Rand) []imap.Flag
}

func seenMostly(r *rand.Rand) []imap.Flag {
	var f []imap.Flag
	if r.IntN(10) < 7 {
		f = append(f, imap.FlagSeen)
	}
	if r.IntN(10) == 0 {
		f = append(f, imap.FlagFlagged)
	}
	if r.IntN(10) == 0 {
		f = append(f, imap.FlagAnswered)
	}
	if r.IntN(20) == 0 {
		f = append(f, imap.Flag("$Forwarded")) // a keyword (RFC 5788 registry)
	}
	return f
}

func seen(*rand.Rand) []imap.Flag  { return []imap.Flag{imap.FlagSeen} }
func draft(*rand.Rand) []imap.Flag { return []imap.Flag{imap.FlagSeen, imap.FlagDraft} }

// plan lists the seeded mailboxes: a non-ASCII one (sent as modified UTF-7
// "Entw&APw-rfe" on the wire, RFC 3501 §5.1.3) and a nested one.
var plan = []boxPlan{
	{"INBOX", 45, seenMostly},
	{"Sent", 20, seen},
	{"Entwürfe", 5, draft},
	{"Archive", 10, seen},
	{"Archive/2024", 20, seenMostly},
}

// attachmentEvery: message indexes ≡ 7 (mod attachmentEvery) in INBOX, Sent
// and Archive/2024 carry a 100 KB–1 MB attachment.
const attachmentEvery = 50

// seed creates the plan's mailboxes in u and fills them with about total
// messages; it returns what it put in each mailbox.
func seed(u *imapmemserver.User, g *gen, total int) ([]MailboxInfo, error) {
	var out []MailboxInfo
	for _, b := range plan {
		if err := u.Create(b.name, nil); err != nil {
			return nil, fmt.Errorf("demoserver: create %q: %w", b.name, err)
		}
		if err := u.Subscribe(b.name); err != nil {
			return nil, fmt.Errorf("demoserver: subscribe %q: %w", b.name, err)
		}
		info, err := fill(u, g, b, max(1, total*b.share/100))
		if err != nil {
			return nil, err
		}
		out = append(out, info)
	}
	return out, nil
}

func fill(u *imapmemserver.User, g *gen, b boxPlan, n int) (MailboxInfo, error) {
	info := MailboxInfo{Name: b.name}
	r := rand.New(rand.NewPCG(g.seed, hash(b.name)))
	for i := range n {
		s := spec{Mailbox: b.name, Index: i}
		if i%attachmentEvery == 7 && b.name != "Entwürfe" && b.name != "Archive" {
			s.Attachment = 100<<10 + r.IntN(900<<10)
		}
		msg, date := g.message(s)
		flags := b.flags(r)
		if _, err := u.Append(b.name, literal(msg), &imap.AppendOptions{Flags: flags, Time: date}); err != nil {
			return info, fmt.Errorf("demoserver: append to %q: %w", b.name, err)
		}
		info.Messages++
		info.Bytes += int64(len(msg))
		if !hasFlag(flags, imap.FlagSeen) {
			info.Unseen++
		}
	}
	return info, nil
}

func hasFlag(flags []imap.Flag, f imap.Flag) bool {
	for _, x := range flags {
		if x == f {
			return true
		}
	}
	return false
}

// literal returns b as an APPEND literal (*bytes.Reader has Size).
func literal(b []byte) imap.LiteralReader { return bytes.NewReader(b) }
