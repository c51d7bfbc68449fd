package e2etest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/internal/testenv"
	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/store"
)

// The truth of each side is read without the project's stores: the
// server's with doveadm (what Dovecot has stored), the Maildir's with
// package maildir (what a mail reader sees). Both are reduced to the same
// shape, mailbox → Message-ID → (hash of the LF text, flags), and compared.

// msgTruth is one message as a side holds it.
type msgTruth struct {
	sum   [32]byte // SHA-256 of the text with LF line endings
	size  int
	flags string // canonical (store.Flags.String), \Recent dropped
}

// boxTruth is one mailbox's messages by Message-ID; copies holds the
// number of messages seen per Message-ID (a duplicate shows as 2 or more).
type boxTruth struct {
	msgs   map[string]msgTruth
	copies map[string]int
}

// truth is a side's mailboxes by name.
type truth map[string]*boxTruth

// count returns the number of messages over all mailboxes.
func (tr truth) count() int {
	n := 0
	for _, b := range tr {
		for _, c := range b.copies {
			n += c
		}
	}
	return n
}

// messageIDs returns how many copies of each Message-ID the side holds,
// over all mailboxes.
func (tr truth) messageIDs() map[string]int {
	ids := map[string]int{}
	for _, b := range tr {
		for id, c := range b.copies {
			ids[id] += c
		}
	}
	return ids
}

func (tr truth) add(mailbox string, text []byte, flags store.Flags) {
	b := tr[mailbox]
	if b == nil {
		b = &boxTruth{msgs: map[string]msgTruth{}, copies: map[string]int{}}
		tr[mailbox] = b
	}
	id := messageID(text)
	if id == "" {
		id = fmt.Sprintf("(no id %x)", sha256.Sum256(text))
	}
	b.copies[id]++
	b.msgs[id] = msgTruth{sum: sha256.Sum256(text), size: len(text), flags: flags.String()}
}

// messageID returns the Message-ID header's value of text ("" if none).
// Generated messages put it on one line.
func messageID(text []byte) string {
	for line := range bytes.Lines(text) {
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break // end of the header
		}
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && strings.EqualFold(string(k), "Message-ID") {
			return string(bytes.TrimSpace(v))
		}
	}
	return ""
}

// serverTruth reads every mailbox of user without the project's client:
// with doveadm on Dovecot, over a plain IMAP session on the others. Texts
// are compared with LF line endings.
func serverTruth(tb testing.TB, srv testenv.MailServer, user string) truth {
	tb.Helper()
	if s, ok := srv.(*testenv.OtherServer); ok {
		return otherTruth(tb, s, user)
	}
	return dovecotTruth(tb, srv.(*testenv.Server), user)
}

// otherTruth reads every selectable mailbox of user on Cyrus or Courier:
// one FETCH of flags and text per mailbox.
func otherTruth(tb testing.TB, srv *testenv.OtherServer, user string) truth {
	tb.Helper()
	tr := truth{}
	for _, name := range srv.Selectable(tb, user) {
		tr[name] = &boxTruth{msgs: map[string]msgTruth{}, copies: map[string]int{}}
		for _, m := range srv.Messages(tb, user, name) {
			lf := bytes.ReplaceAll(m.Text, []byte("\r\n"), []byte("\n"))
			tr.add(name, lf, store.ParseFlags(strings.Join(m.Flags, " ")))
		}
	}
	return tr
}

// dovecotTruth reads every mailbox of user with doveadm: one fetch of
// flags and text per mailbox.
func dovecotTruth(tb testing.TB, srv *testenv.Server, user string) truth {
	tb.Helper()
	tr := truth{}
	for _, name := range srv.ListMailboxes(tb, user) {
		if !selectable(tb, srv, user, name) {
			continue
		}
		tr[name] = &boxTruth{msgs: map[string]msgTruth{}, copies: map[string]int{}}
		out := srv.Doveadm(tb, "-f", "pager", "fetch", "-u", user, "flags text", "mailbox", name, "all")
		if out == "" {
			continue
		}
		// Records are separated by a form feed line; fields come in the
		// order asked, the text last and verbatim.
		for rec := range strings.SplitSeq(out, "\f\n") {
			head, text, ok := strings.Cut(rec, "\ntext:\n")
			flags, okf := strings.CutPrefix(head, "flags:")
			if !ok || !okf {
				tb.Fatalf("doveadm fetch of %s/%q: unexpected record %.200q", user, name, rec)
			}
			lf := strings.ReplaceAll(text, "\r\n", "\n")
			tr.add(name, []byte(lf), store.ParseFlags(strings.TrimSpace(flags)))
		}
	}
	return tr
}

// selectable reports whether the server's mailbox name holds mail: with
// Dovecot's fs layout a parent created for a nested name ("Archive" of
// "Archive/2024") is a bare directory, listed \NoSelect, and a sync
// rightly leaves it out.
func selectable(tb testing.TB, srv *testenv.Server, user, name string) bool {
	tb.Helper()
	dir := strings.TrimSpace(srv.Doveadm(tb, "mailbox", "path", "-u", user, name))
	_, err := os.Stat(filepath.Join(dir, "cur"))
	return err == nil
}

// letterFlags are the Maildir info letters a mail reader understands
// (https://cr.yp.to/proto/maildir.html), P as Dovecot and mbsync read it.
var letterFlags = map[byte]store.Flag{
	'D': store.Draft, 'F': store.Flagged, 'P': store.Forwarded,
	'R': store.Answered, 'S': store.Seen, 'T': store.Deleted,
}

// maildirTruth reads every folder under root (fs layout) with package
// maildir: file names for flags (keywords through dovecot-keywords),
// file contents for texts, which must hold no CRLF.
func maildirTruth(tb testing.TB, root string) truth {
	tb.Helper()
	return maildirTruthIn(tb, root, maildir.LayoutFS)
}

// maildirTruthIn is maildirTruth for a Maildir of the given layout.
func maildirTruthIn(tb testing.TB, root string, layout maildir.Layout) truth {
	tb.Helper()
	ctx := context.Background()
	list, err := layout.List(ctx, root)
	if err != nil {
		tb.Fatalf("listing the Maildir %s: %v", root, err)
	}
	if len(list.Unmapped) > 0 {
		tb.Errorf("Maildir %s holds unmapped folders %q", root, list.Unmapped)
	}
	tr := truth{}
	for _, name := range list.Names {
		tr[name] = &boxTruth{msgs: map[string]msgTruth{}, copies: map[string]int{}}
		f, err := layout.Open(root, name)
		if err != nil {
			tb.Fatalf("opening folder %q: %v", name, err)
		}
		kw, err := f.ReadKeywords()
		if err != nil {
			tb.Fatalf("keywords of folder %q: %v", name, err)
		}
		entries, err := f.Scan(ctx, maildir.ScanOptions{})
		if err != nil {
			tb.Fatalf("scanning folder %q: %v", name, err)
		}
		for _, e := range entries {
			text, err := os.ReadFile(e.Path(f))
			if err != nil {
				tb.Fatalf("reading %s: %v", e.Path(f), err)
			}
			if bytes.Contains(text, []byte("\r\n")) {
				tb.Errorf("%s holds CRLF line endings, want LF", e.Path(f))
			}
			tr.add(name, text, entryFlags(e, kw))
		}
	}
	return tr
}

// entryFlags returns the IMAP flags a file name's info stands for.
func entryFlags(e maildir.Entry, kw *maildir.Keywords) store.Flags {
	var fs []store.Flag
	letters := e.Flags()
	for c, f := range letterFlags {
		if letters.Has(c) {
			fs = append(fs, f)
		}
	}
	for _, c := range letters.Keywords() {
		if name, ok := kw.Name(c); ok {
			fs = append(fs, store.Flag(name))
		}
	}
	return store.NewFlags(fs...)
}

// diff describes how b differs from a (empty when equal), at most max
// lines. Mailboxes that one side lists and that are empty on both are
// compared too: a mailbox must exist on both sides.
func diff(a, b truth, aName, bName string, max int) string {
	var out []string
	names := map[string]bool{}
	for n := range a {
		names[n] = true
	}
	for n := range b {
		names[n] = true
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, n := range sorted {
		out = append(out, diffBox(n, a[n], b[n], aName, bName)...)
	}
	if len(out) > max {
		out = append(out[:max], fmt.Sprintf("… and %d more", len(out)-max))
	}
	return strings.Join(out, "\n")
}

func diffBox(name string, a, b *boxTruth, aName, bName string) []string {
	if a == nil || b == nil {
		missing := aName
		if b == nil {
			missing = bName
		}
		return []string{fmt.Sprintf("mailbox %q missing on the %s side", name, missing)}
	}
	var out []string
	ids := map[string]bool{}
	for id := range a.copies {
		ids[id] = true
	}
	for id := range b.copies {
		ids[id] = true
	}
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		ca, cb := a.copies[id], b.copies[id]
		ma, mb := a.msgs[id], b.msgs[id]
		switch {
		case ca != cb:
			out = append(out, fmt.Sprintf("%q %s: %d copies on the %s side, %d on the %s side", name, id, ca, aName, cb, bName))
		case ma.sum != mb.sum:
			out = append(out, fmt.Sprintf("%q %s: text differs (%d bytes on the %s side, %d on the %s side)", name, id, ma.size, aName, mb.size, bName))
		case ma.flags != mb.flags:
			out = append(out, fmt.Sprintf("%q %s: flags [%s] on the %s side, [%s] on the %s side", name, id, ma.flags, aName, mb.flags, bName))
		}
	}
	return out
}

// requireSame fails the test unless both truths are equal.
func requireSame(tb testing.TB, a, b truth, aName, bName string) {
	tb.Helper()
	if d := diff(a, b, aName, bName, 30); d != "" {
		tb.Fatalf("%s and %s differ:\n%s", aName, bName, d)
	}
}
