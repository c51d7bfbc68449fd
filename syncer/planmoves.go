package syncer

import (
	"slices"

	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// MoveInput is what the account's move ledger tells the planner about the
// other mailbox pairs synchronized in the same run, so that a message
// moved between two of them is handed back as a move (Plan.MovesOut,
// Plan.MovesIn) instead of being planned as a deletion and a copy. The
// ledger carries the moves out once every pass is done (see moveLedger).
type MoveInput struct {
	// Self is this mailbox pair's id.
	Self statedb.MailboxID
	// Rows[s] maps the names of side s's synchronized mailboxes to their
	// pair ids.
	Rows [2]map[string]statedb.MailboxID
	// Moved[s] are the moves the store of side s reported out of this
	// mailbox (ChangeSet.MovedOut).
	Moved [2][]store.Move
	// ByID: far vanished pairs carrying a stable id may have moved to
	// another mailbox (StableIDs, several mailboxes synchronized).
	ByID bool
	// Elsewhere maps the stable ids of this pass's new far messages that a
	// two-sided pair of another synchronized mailbox carries to that pair's
	// mailbox and far UID.
	Elsewhere map[string]MoveSource
	// ByIdentity: near vanished pairs whose message has an identity may
	// have moved to another mailbox under a new name (several mailboxes
	// synchronized).
	ByIdentity bool
	// NearElsewhere holds the UIDs of this pass's new near messages whose
	// identity a two-sided pair of another synchronized mailbox carries.
	NearElsewhere map[store.UID]bool
}

// MoveSource is where a moved message was: mailbox pair and UID.
type MoveSource struct {
	Mailbox statedb.MailboxID
	UID     store.UID
}

// MoveOut is a pair whose message left this mailbox on Side.
type MoveOut struct {
	Side Side
	Pair Pair
	// Dest and DestUID: where the store said it went (zero for ByID).
	Dest    statedb.MailboxID
	DestUID store.UID
	// ByID: not reported by the store, but a vanished message with a
	// stable id that may turn up elsewhere.
	ByID bool
	// ByIdentity: not reported by the store, but a vanished near message
	// with an identity that may turn up elsewhere under a new name.
	ByIdentity bool
	// FarNow is the far copy as the far delta reports it when its flags
	// changed since the last sync (moves on the near side only): the move
	// carries the far change with it (a move plus a flag merge).
	FarNow *store.Message
}

// MoveIn is a new message of Side that arrived from another mailbox.
type MoveIn struct {
	Side Side
	Msg  store.Message
	From MoveSource
	// ByIdentity: a new near message that may be a message moved under a
	// new name from another mailbox (From is unknown).
	ByIdentity bool
}

// planMoves takes the moves out of in (rule 0 of PlanMailbox, before the
// rest): on each side, the vanished UIDs the store reported moved to
// another synchronized mailbox and the new messages it reported moved in;
// then, with stable ids, far vanished pairs that carry one and new far
// messages whose id another mailbox's pair carries. A pair also touched on
// the other side is left to the rest of the rules (a deletion and a copy).
func planMoves(in MailboxInput) (MailboxInput, []MoveOut, []MoveIn) {
	mi := in.Moves
	if mi == nil {
		return in, nil, nil
	}
	var outs []MoveOut
	var ins []MoveIn
	for s := Far; s <= Near; s++ {
		outs = append(outs, claimOuts(&in, s)...)
		ins = append(ins, claimIns(&in, s)...)
	}
	outs = append(outs, claimOutsByID(&in)...)
	ins = append(ins, claimInsByID(&in)...)
	outs = append(outs, claimOutsByIdentity(&in)...)
	ins = append(ins, claimInsByIdentity(&in)...)
	return in, outs, ins
}

func claimOuts(in *MailboxInput, s Side) []MoveOut {
	var outs []MoveOut
	for _, mv := range in.Moves.Moved[s] {
		dest, ok := in.Moves.Rows[s][mv.Dest]
		i := slices.Index(in.Delta[s].Vanished, mv.UID)
		p := findPair(in.Pairs, s, mv.UID)
		if !ok || i < 0 || p == nil || p.OneSided() || dest == in.Moves.Self || otherTouched(in, s, p) {
			continue
		}
		in.Delta[s].Vanished = slices.Delete(slices.Clone(in.Delta[s].Vanished), i, i+1)
		out := MoveOut{Side: s, Pair: *p, Dest: dest, DestUID: mv.DestUID}
		if s == Near {
			out.FarNow = takeChanged(in, Far, p.UID[Far])
		}
		outs = append(outs, out)
	}
	return outs
}

func claimIns(in *MailboxInput, s Side) []MoveIn {
	var ins []MoveIn
	kept := in.Delta[s].New[:0:0]
	for _, m := range in.Delta[s].New {
		src, ok := in.Moves.Rows[s][originName(m)]
		if !ok || src == in.Moves.Self {
			kept = append(kept, m)
			continue
		}
		ins = append(ins, MoveIn{Side: s, Msg: m, From: MoveSource{Mailbox: src, UID: m.Origin.UID}})
	}
	in.Delta[s].New = kept
	return ins
}

func claimOutsByID(in *MailboxInput) []MoveOut {
	if !in.Moves.ByID {
		return nil
	}
	var outs []MoveOut
	kept := in.Delta[Far].Vanished[:0:0]
	for _, u := range in.Delta[Far].Vanished {
		p := findPair(in.Pairs, Far, u)
		if p == nil || p.OneSided() || p.EmailID == "" || touched(in, Near, p) {
			kept = append(kept, u)
			continue
		}
		outs = append(outs, MoveOut{Side: Far, Pair: *p, ByID: true})
	}
	in.Delta[Far].Vanished = kept
	return outs
}

func claimInsByID(in *MailboxInput) []MoveIn {
	if len(in.Moves.Elsewhere) == 0 {
		return nil
	}
	var ins []MoveIn
	kept := in.Delta[Far].New[:0:0]
	for _, m := range in.Delta[Far].New {
		src, ok := in.Moves.Elsewhere[m.EmailID]
		if m.EmailID == "" || !ok {
			kept = append(kept, m)
			continue
		}
		ins = append(ins, MoveIn{Side: Far, Msg: m, From: src})
	}
	in.Delta[Far].New = kept
	return ins
}

// claimOutsByIdentity takes the near vanished two-sided pairs with an
// identity, unless a new near message of this mailbox has it (a rename
// within the folder: renumber follows it).
func claimOutsByIdentity(in *MailboxInput) []MoveOut {
	if !in.Moves.ByIdentity || len(in.Delta[Near].Vanished) == 0 {
		return nil
	}
	here := map[store.Identity]bool{}
	for _, m := range in.Delta[Near].New {
		here[store.IdentityOf(m)] = true
	}
	var outs []MoveOut
	kept := in.Delta[Near].Vanished[:0:0]
	for _, u := range in.Delta[Near].Vanished {
		p := findPair(in.Pairs, Near, u)
		if p == nil || p.OneSided() || !p.identity().Known() || here[p.identity()] || otherTouched(in, Near, p) {
			kept = append(kept, u)
			continue
		}
		outs = append(outs, MoveOut{Side: Near, Pair: *p, ByIdentity: true, FarNow: takeChanged(in, Far, p.UID[Far])})
	}
	in.Delta[Near].Vanished = kept
	return outs
}

// takeChanged removes the message of UID u from side s's changed list
// and returns it (nil when it is not there): a flag change on the far copy
// of a message moved on the near side travels with the move (the ledger
// merges it), not as an update of the copy that left.
func takeChanged(in *MailboxInput, s Side, u store.UID) *store.Message {
	i := slices.IndexFunc(in.Delta[s].Changed, func(m store.Message) bool { return m.UID == u })
	if i < 0 {
		return nil
	}
	m := in.Delta[s].Changed[i]
	in.Delta[s].Changed = slices.Delete(slices.Clone(in.Delta[s].Changed), i, i+1)
	return &m
}

// claimInsByIdentity takes the new near messages the ledger found the
// identity of in another mailbox's pairs.
func claimInsByIdentity(in *MailboxInput) []MoveIn {
	if len(in.Moves.NearElsewhere) == 0 {
		return nil
	}
	renamed := map[store.Identity]bool{} // vanished here: renumber's
	for _, u := range in.Delta[Near].Vanished {
		if p := findPair(in.Pairs, Near, u); p != nil && p.identity().Known() {
			renamed[p.identity()] = true
		}
	}
	var ins []MoveIn
	kept := in.Delta[Near].New[:0:0]
	for _, m := range in.Delta[Near].New {
		if !in.Moves.NearElsewhere[m.UID] || renamed[store.IdentityOf(m)] {
			kept = append(kept, m)
			continue
		}
		ins = append(ins, MoveIn{Side: Near, Msg: m, ByIdentity: true})
	}
	in.Delta[Near].New = kept
	return ins
}

// otherTouched reports whether the delta of the side other than s, where
// pair p's message moved, also mentions p: such a pair is left to the
// planner (a deletion and a copy), not moved. A far flag change beside a
// near move is not: the far copy's flags cannot make it another message,
// so the move carries the change with it (MoveOut.FarNow).
func otherTouched(in *MailboxInput, s Side, p *Pair) bool {
	if s == Near {
		return slices.Contains(in.Delta[Far].Vanished, p.UID[Far])
	}
	return touched(in, Near, p)
}

// touched reports whether side s's delta also mentions pair p: such a
// pair is left to the planner (a deletion and a copy), not moved.
func touched(in *MailboxInput, s Side, p *Pair) bool {
	u := p.UID[s]
	if slices.Contains(in.Delta[s].Vanished, u) {
		return true
	}
	for _, m := range in.Delta[s].Changed {
		if m.UID == u {
			return true
		}
	}
	return false
}

func originName(m store.Message) string {
	if m.Origin == nil {
		return ""
	}
	return m.Origin.Mailbox
}

func findPair(pairs []Pair, s Side, uid store.UID) *Pair {
	for i := range pairs {
		if pairs[i].UID[s] == uid {
			return &pairs[i]
		}
	}
	return nil
}
