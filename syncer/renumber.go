package syncer

import (
	"slices"

	"github.com/imapdir/imapdir/store"
)

// renumber applies rule 0 of PlanMailbox: on each side, new messages that
// have the identity of a pair whose UID vanished on that side take that
// pair's place. It returns the input with those messages moved from New
// to Changed, their old UIDs out of Vanished and the pairs carrying the
// new UIDs (in copies: in is not modified), and the ids of the pairs
// renumbered.
func renumber(in MailboxInput) (MailboxInput, map[int64]bool) {
	var done map[int64]bool
	pairs := in.Pairs
	for s := Far; s <= Near; s++ {
		d := in.Delta[s]
		if len(d.New) == 0 || len(d.Vanished) == 0 {
			continue
		}
		match := renumberMatches(pairs, s, d)
		if len(match) == 0 {
			continue
		}
		if done == nil {
			done = map[int64]bool{}
			pairs = slices.Clone(pairs)
		}
		var nd Delta
		nd.Changed = slices.Clone(d.Changed)
		gone := map[store.UID]bool{}
		for _, m := range d.New {
			i, ok := match[m.UID]
			if !ok {
				nd.New = append(nd.New, m)
				continue
			}
			gone[pairs[i].UID[s]] = true
			pairs[i].UID[s] = m.UID
			done[pairs[i].ID] = true
			nd.Changed = append(nd.Changed, m)
		}
		for _, u := range d.Vanished {
			if !gone[u] {
				nd.Vanished = append(nd.Vanished, u)
			}
		}
		in.Delta[s] = nd
	}
	in.Pairs = pairs
	return in, done
}

// renumberMatches maps new UIDs of side s to the index of the vanished
// pair they replace.
func renumberMatches(pairs []Pair, s Side, d Delta) map[store.UID]int {
	vanished := map[store.UID]bool{}
	for _, u := range d.Vanished {
		vanished[u] = true
	}
	type group struct{ pairs, msgs []int }
	groups := map[store.Identity]*group{}
	get := func(id store.Identity) *group {
		g := groups[id]
		if g == nil {
			g = &group{}
			groups[id] = g
		}
		return g
	}
	for i := range pairs {
		if id := pairs[i].identity(); id.Known() && pairs[i].UID[s] != 0 && vanished[pairs[i].UID[s]] {
			g := get(id)
			g.pairs = append(g.pairs, i)
		}
	}
	for j, m := range d.New {
		if id := store.IdentityOf(m); id.Known() && groups[id] != nil {
			g := groups[id]
			g.msgs = append(g.msgs, j)
		}
	}
	match := map[store.UID]int{}
	for _, g := range groups {
		if len(g.msgs) == 0 || (len(g.pairs) > 1 && !sameFlags(pairs, g.pairs)) {
			continue
		}
		slices.SortFunc(g.pairs, func(a, b int) int { return int(pairs[a].UID[s]) - int(pairs[b].UID[s]) })
		slices.SortFunc(g.msgs, func(a, b int) int { return int(d.New[a].UID) - int(d.New[b].UID) })
		for k := 0; k < min(len(g.pairs), len(g.msgs)); k++ {
			match[d.New[g.msgs[k]].UID] = g.pairs[k]
		}
	}
	return match
}
