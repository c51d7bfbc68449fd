package imapstore

import (
	"context"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/store"
)

// maxSetLen bounds the UID set of one command line, well under the 8 KB
// that RFC 7162 §4 recommends clients send.
const maxSetLen = 4000

// UpdateFlags stores the change with UID STORE set +FLAGS.SILENT (…) and
// -FLAGS.SILENT (…) (RFC 9051 §6.4.6), one command per UID-set chunk and
// direction, so all messages with the same change go together.
//
// With ch.UnchangedSince (CONDSTORE, RFC 7162 §3.1.3) each STORE carries
// (UNCHANGEDSINCE n) and the UIDs of the MODIFIED code are the conflicts.
// When a change both removes and adds, the removal goes first; the
// addition is then conditional on the highest MODSEQ the removal produced
// (reported in the FETCH responses of the STORE), so that a change by
// someone else in between is still a conflict; a message that conflicts on
// the addition keeps the removal. Without CONDSTORE a non-zero
// UnchangedSince is ErrUnsupported. Gmail labels change with
// X-GM-LABELS.SILENT.
func (m *Mailbox) UpdateFlags(ctx context.Context, ch store.FlagChange) ([]store.UID, error) {
	if err := m.begin(ctx, "store flags"); err != nil {
		return nil, err
	}
	if ch.UnchangedSince != 0 && !m.s.caps.condStore {
		return nil, store.Errorf(store.ScopeMailbox, false, "store flags", m.name, 0, "%w: UNCHANGEDSINCE without CONDSTORE", store.ErrUnsupported)
	}
	if (len(ch.AddLabels) > 0 || len(ch.RemoveLabels) > 0) && !m.s.caps.gmail {
		return nil, store.Errorf(store.ScopeMailbox, false, "store flags", m.name, 0, "%w: labels without X-GM-EXT-1", store.ErrUnsupported)
	}
	if len(ch.UIDs) == 0 {
		return nil, nil
	}
	conflicts, err := m.storeFlags(ctx, ch)
	if err != nil {
		return nil, m.done("store flags", 0, err)
	}
	if err := m.storeLabels(ctx, ch, conflicts); err != nil {
		return nil, m.done("store labels", 0, err)
	}
	var out []store.UID
	for uid := range conflicts.All() {
		out = append(out, store.UID(uid))
	}
	return out, nil
}

// storeFlags runs the removal, then the addition, and returns the
// conflicts.
func (m *Mailbox) storeFlags(ctx context.Context, ch store.FlagChange) (imap.UIDSet, error) {
	set := imap.UIDSetOf(toIMAPUIDs(ch.UIDs)...)
	var conflicts imap.UIDSet
	since := imap.ModSeq(ch.UnchangedSince)
	for _, step := range []struct {
		op    string
		flags store.Flags
	}{{"-FLAGS.SILENT", ch.Remove}, {"+FLAGS.SILENT", ch.Add}} {
		if len(fromFlags(step.flags)) == 0 {
			continue
		}
		todo := minus(set, conflicts)
		if todo.IsEmpty() {
			break
		}
		top, err := m.store(ctx, todo, since, step.op, fromFlags(step.flags), &conflicts)
		if err != nil {
			return conflicts, err
		}
		if since != 0 {
			since = max(since, top)
		}
	}
	return conflicts, nil
}

// store runs one UID STORE per chunk of set, adding the MODIFIED UIDs to
// conflicts, and returns the highest MODSEQ the server reported.
func (m *Mailbox) store(ctx context.Context, set imap.UIDSet, since imap.ModSeq, op string, value imap.Value, conflicts *imap.UIDSet) (imap.ModSeq, error) {
	var top imap.ModSeq
	for _, part := range set.Split(maxSetLen) {
		args := []imap.Value{imap.Atom("UID"), imap.Atom("STORE"), part}
		if since != 0 {
			args = append(args, imap.List{imap.Atom("UNCHANGEDSINCE"), imap.Num(uint64(since))})
		}
		res, err := m.command(ctx, append(args, imap.Atom(op), value)...)
		if err != nil {
			return top, err
		}
		if code, cargs := res.Code(); code == imap.CodeModified {
			mod, err := imap.ParseModified(cargs)
			if err != nil {
				return top, protoErr("MODIFIED: %w", err)
			}
			conflicts.AddSet(mod)
		}
		top = max(top, highestModSeq(res.Untagged))
	}
	return top, nil
}

// highestModSeq returns the highest MODSEQ of the FETCH responses.
func highestModSeq(untagged []*imap.Response) imap.ModSeq {
	var top imap.ModSeq
	for _, r := range untagged {
		if r.Name() != "FETCH" {
			continue
		}
		if fd, err := imap.ParseFetch(r); err == nil {
			top = max(top, fd.ModSeq)
		}
	}
	return top
}

// storeLabels changes Gmail labels on the messages that did not conflict.
func (m *Mailbox) storeLabels(ctx context.Context, ch store.FlagChange, conflicts imap.UIDSet) error {
	todo := minus(imap.UIDSetOf(toIMAPUIDs(ch.UIDs)...), conflicts)
	for _, step := range []struct {
		op     string
		labels []string
	}{{"-X-GM-LABELS.SILENT", ch.RemoveLabels}, {"+X-GM-LABELS.SILENT", ch.AddLabels}} {
		if len(step.labels) == 0 || todo.IsEmpty() {
			continue
		}
		if _, err := m.store(ctx, todo, 0, step.op, labelList(step.labels), new(imap.UIDSet)); err != nil {
			return err
		}
	}
	return nil
}

// labelList encodes Gmail labels given as the store reports them
// (readableLabels): readable system label names back to their atoms
// (imap.GmailLabelFromName: Inbox → \Inbox), others as astrings in
// modified UTF-7, as mailbox names.
func labelList(labels []string) imap.List {
	out := imap.List{}
	for _, l := range labels {
		out = append(out, imap.Mailbox(imap.GmailLabelFromName(l)))
	}
	return out
}

// minus returns the members of a not in b.
func minus(a, b imap.UIDSet) imap.UIDSet {
	if b.IsEmpty() {
		return a
	}
	var out imap.UIDSet
	for uid := range a.All() {
		if !b.Contains(uid) {
			out.AddNum(uid)
		}
	}
	return out
}

// toIMAPUIDs converts UIDs, leaving out 0 (which would mean "*").
func toIMAPUIDs(uids []store.UID) []imap.UID {
	out := make([]imap.UID, 0, len(uids))
	for _, u := range uids {
		if u != 0 {
			out = append(out, imap.UID(u))
		}
	}
	return out
}
