package syncer

import "github.com/imapdir/imapdir/store"

// Labels (Gmail's X-GM-LABELS, a Maildir's X-Keywords with
// Features.GmailLabels) merge exactly as flags do (MergeFlags): three
// ways, label by label, against the labels last agreed (the pair's
// Labels, the state database's labels column), a change on one side
// carried to the other, the same change on both sides agreed. Where only
// one side keeps labels (labels = "none" keeps them in the state database
// only), the agreed labels follow that side.

// labelFlags holds labels as a flag set, the form MergeFlags merges (all
// compared without regard to case, as Gmail compares label names).
func labelFlags(ls []string) store.Flags {
	fs := make([]store.Flag, len(ls))
	for i, l := range ls {
		fs[i] = store.Flag(l)
	}
	return store.NewFlags(fs...)
}

// flagLabels is labelFlags' inverse; nil for none.
func flagLabels(fs store.Flags) []string {
	if len(fs) == 0 {
		return nil
	}
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = string(f)
	}
	return out
}

// planLabels merges the labels of the pair u updates, given each side's
// current message (nil: not reported, unchanged) and which sides keep
// labels, into u: the label updates per side and the agreed labels. It
// reports whether anything changed.
func planLabels(u *PairUpdate, cur [2]*store.Message, keep [2]bool, sync Direction) bool {
	old := labelFlags(u.Old.Labels)
	if !keep[Far] && !keep[Near] {
		return false
	}
	if keep[Far] != keep[Near] {
		s := Far
		if keep[Near] {
			s = Near
		}
		if cur[s] == nil {
			return false
		}
		now := labelFlags(cur[s].Labels)
		u.New.Labels = flagLabels(now)
		return !now.Equal(old)
	}
	in := MergeInput{Agreed: old, Keywords: [2]bool{true, true}, Sync: sync}
	for s := Far; s <= Near; s++ {
		if cur[s] != nil {
			in.Cur[s], in.Known[s] = labelFlags(cur[s].Labels), true
		}
	}
	m := MergeFlags(in)
	u.New.Labels = flagLabels(m.Agreed)
	for s := Far; s <= Near; s++ {
		u.AddLabels[s], u.RemoveLabels[s] = flagLabels(m.Add[s]), flagLabels(m.Remove[s])
	}
	return m.Changes(Far) || m.Changes(Near) || !m.Agreed.Equal(old)
}
