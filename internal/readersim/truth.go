package readersim

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/store"
)

// Copy is one message as one side holds it.
type Copy struct {
	Mailbox string
	Text    []byte // LF line endings
	Flags   string // canonical system flags, \Recent dropped
}

// Side is what one side holds: the copies of each Message-ID.
type Side map[string][]Copy

// Add records a copy of text in mailbox with flags (keywords and \Recent
// are left out: the simulator sets none).
func (s Side) Add(mailbox string, text []byte, flags store.Flags) {
	var keep []store.Flag
	for _, f := range flags {
		if f.IsSystem() && !f.Equal(`\Recent`) || f.Equal(store.Forwarded) {
			keep = append(keep, f.Canonical())
		}
	}
	id := MessageID(text)
	s[id] = append(s[id], Copy{Mailbox: mailbox, Text: text, Flags: store.NewFlags(keep...).String()})
}

// letterFlags are the Maildir info letters a mail reader understands.
var letterFlags = map[byte]store.Flag{
	'D': store.Draft, 'F': store.Flagged, 'P': store.Forwarded,
	'R': store.Answered, 'S': store.Seen, 'T': store.Deleted,
}

// ReadMaildir reads every folder of the Maildir at root (fs layout) as a
// mail reader sees it: file names for flags, files for texts.
func ReadMaildir(ctx context.Context, root string) (Side, error) {
	list, err := maildir.LayoutFS.List(ctx, root)
	if err != nil {
		return nil, err
	}
	side := Side{}
	for _, name := range list.Names {
		f, err := maildir.LayoutFS.Open(root, name)
		if err != nil {
			return nil, err
		}
		entries, err := f.Scan(ctx, maildir.ScanOptions{})
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			text, err := os.ReadFile(e.Path(f))
			if err != nil {
				return nil, err
			}
			var fs []store.Flag
			for c, fl := range letterFlags {
				if e.Flags().Has(c) {
					fs = append(fs, fl)
				}
			}
			side.Add(name, text, store.NewFlags(fs...))
		}
	}
	return side, nil
}

// Report is the comparison of both sides with the model, in messages.
type Report struct {
	Expected    int // messages the model says must exist
	Lost        int // expected, missing from a side
	Duplicated  int // Message-IDs held more than once by a side
	Truncated   int // copies whose text is a strict prefix of the latest
	Stale       int // copies whose text is another (not the latest)
	Resurrected int // deleted on purpose, still held by a side
	Unequal     int // Message-IDs the two sides hold differently (folder, flags, text)
	Details     []string
}

// OK reports whether nothing was lost, duplicated, truncated or stale and
// the sides are equal.
func (r Report) OK() bool {
	return r.Lost == 0 && r.Duplicated == 0 && r.Truncated == 0 && r.Stale == 0 && r.Unequal == 0
}

func (r Report) String() string {
	return fmt.Sprintf("expected %d: lost %d, duplicated %d, truncated %d, stale %d, resurrected %d, sides unequal %d",
		r.Expected, r.Lost, r.Duplicated, r.Truncated, r.Stale, r.Resurrected, r.Unequal)
}

func (r *Report) detail(format string, args ...any) {
	if len(r.Details) < 40 {
		r.Details = append(r.Details, fmt.Sprintf(format, args...))
	}
}

// Compare checks both sides against the model and against each other.
func Compare(m *Model, far, near Side) Report {
	var r Report
	expected := m.Expected()
	r.Expected = len(expected)
	for id := range expected {
		if len(far[id]) == 0 || len(near[id]) == 0 {
			r.Lost++
			r.detail("lost %s: %d far copies, %d near copies; history: %s", id, len(far[id]), len(near[id]), m.History(id))
		}
	}
	for name, side := range map[string]Side{"far": far, "near": near} {
		for id, copies := range side {
			if len(copies) > 1 {
				r.Duplicated++
				r.detail("duplicated %s on the %s side: %s; history: %s", id, name, describe(copies), m.History(id))
			}
			want, known := m.Text(id)
			if _, alive := expected[id]; known && !alive {
				r.Resurrected++
				r.detail("resurrected %s on the %s side: %s; history: %s", id, name, describe(copies), m.History(id))
			}
			for _, c := range copies {
				switch {
				case !known || bytes.Equal(c.Text, want):
				case len(c.Text) < len(want) && bytes.HasPrefix(want, c.Text):
					r.Truncated++
					r.detail("truncated %s on the %s side: %d of %d bytes", id, name, len(c.Text), len(want))
				default:
					r.Stale++
					r.detail("stale %s on the %s side: %.40q, want %.40q; history: %s", id, name, subject(c.Text), subject(want), m.History(id))
				}
			}
		}
	}
	ids := map[string]bool{}
	for id := range far {
		ids[id] = true
	}
	for id := range near {
		ids[id] = true
	}
	for id := range ids {
		if f, n := describe(far[id]), describe(near[id]); f != n {
			r.Unequal++
			r.detail("%s differs: far %s, near %s; history: %s", id, f, n, m.History(id))
		}
	}
	sort.Strings(r.Details)
	return r
}

// describe renders copies for comparison: folder, flags and text size.
func describe(cs []Copy) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprintf("[%s %s %dB %.4x %.20s]", c.Mailbox, c.Flags, len(c.Text), sha256.Sum256(c.Text), subject(c.Text))
	}
	sort.Strings(parts)
	return strings.Join(parts, "")
}

func subject(text []byte) string {
	for _, line := range strings.Split(string(text), "\n") {
		if v, ok := strings.CutPrefix(line, "Subject: "); ok {
			return v
		}
		if line == "" {
			break
		}
	}
	return ""
}
