package syncer

import "github.com/imapdir/imapdir/store"

// FlagMerge is the outcome of merging one message's flags.
type FlagMerge struct {
	// Agreed is the flag set to record as agreed once the updates are done.
	Agreed store.Flags
	// Add and Remove are the updates to make per side (index Far, Near).
	Add, Remove [2]store.Flags
}

// Changes reports whether the merge asks for an update on side s.
func (m *FlagMerge) Changes(s Side) bool { return len(m.Add[s]) > 0 || len(m.Remove[s]) > 0 }

// MergeInput is what MergeFlags needs for one message.
type MergeInput struct {
	// Agreed is the last agreed set; Cur the current sets per side.
	Agreed store.Flags
	Cur    [2]store.Flags
	// Known[s] says side s reports that side's flags: a side whose flags
	// were not listed (no change reported) counts as unchanged.
	Known [2]bool
	// Keywords[s] says side s keeps keywords; a side that does not is
	// treated as unchanged for every keyword and is never sent one.
	Keywords [2]bool
	// Sync is the per-direction switch; only the Flags bit matters here.
	Sync Direction
}

// MergeFlags merges one message's flags three ways, flag by flag, against
// the last agreed set. For each flag f (keywords included, compared without
// regard to case):
//
//	far vs agreed | near vs agreed | result on both sides | agreed becomes
//	unchanged     | unchanged      | as is                | as is
//	changed       | unchanged      | far's value          | far's value
//	unchanged     | changed        | near's value         | near's value
//	changed       | changed        | (same value)         | that value
//
// A flag is a yes/no fact, so "changed on both sides" means both sides made
// the same change: the rule "added on either side → set, unless removed on
// the other side since the last sync" can never meet a removal on the other
// side for the same flag, and no per-flag conflict exists. Changes to
// different flags on both sides (far adds \Seen, near removes \Flagged) both
// apply.
//
// When the direction switch forbids carrying a change (Sync Pull/Push
// without Flags), the change stays where it is and the agreed value is kept,
// so the change is neither propagated nor reverted on a later run.
//
// A side that does not keep keywords is treated as unchanged for keywords
// and never receives one; \Recent never appears (store.NewFlags drops it).
func MergeFlags(in MergeInput) FlagMerge {
	cur := in.Cur
	for s := Far; s <= Near; s++ {
		if !in.Known[s] {
			cur[s] = in.Agreed
		} else if !in.Keywords[s] {
			cur[s] = cur[s].Union(keywordsOf(in.Agreed))
		}
	}
	var agreed, target [2][]store.Flag
	for _, f := range in.Agreed.Union(cur[Far]).Union(cur[Near]) {
		a := in.Agreed.Has(f)
		v := [2]bool{cur[Far].Has(f), cur[Near].Has(f)}
		res, agr := mergeOne(a, v, in.Sync)
		for s := Far; s <= Near; s++ {
			if res[s] {
				target[s] = append(target[s], f)
			}
		}
		if agr {
			agreed[0] = append(agreed[0], f)
		}
	}
	out := FlagMerge{Agreed: store.NewFlags(agreed[0]...)}
	for s := Far; s <= Near; s++ {
		t := store.NewFlags(target[s]...)
		out.Add[s] = t.Minus(cur[s])
		out.Remove[s] = cur[s].Minus(t)
		if !in.Keywords[s] {
			out.Add[s] = systemOnly(out.Add[s])
			out.Remove[s] = systemOnly(out.Remove[s])
		}
	}
	return out
}

// mergeOne decides one flag: the target value per side and the agreed one.
func mergeOne(a bool, v [2]bool, d Direction) (res [2]bool, agreed bool) {
	fc, nc := v[Far] != a, v[Near] != a
	switch {
	case fc && !nc:
		if d.allows(Far, SyncFlags) {
			return [2]bool{v[Far], v[Far]}, v[Far]
		}
		return v, a
	case nc && !fc:
		if d.allows(Near, SyncFlags) {
			return [2]bool{v[Near], v[Near]}, v[Near]
		}
		return v, a
	case fc && nc:
		return v, v[Far]
	}
	return v, a
}

// keywordsOf returns the non-system flags of fs.
func keywordsOf(fs store.Flags) store.Flags {
	var out []store.Flag
	for _, f := range fs {
		if !f.IsSystem() {
			out = append(out, f)
		}
	}
	return store.NewFlags(out...)
}

// systemOnly returns the system flags of fs.
func systemOnly(fs store.Flags) store.Flags {
	var out []store.Flag
	for _, f := range fs {
		if f.IsSystem() {
			out = append(out, f)
		}
	}
	return store.NewFlags(out...)
}
