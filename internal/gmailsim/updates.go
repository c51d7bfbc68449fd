package gmailsim

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// target is a message a command acts on: its sequence number in the
// session's view and its entry in the folder.
type target struct {
	seq int
	e   *entry
}

// resolve turns a sequence set or UID set (RFC 9051 §9 sequence-set) into
// the targets that still exist, in view order. The caller holds a.mu.
func (s *session) resolve(set string, uid bool) ([]target, error) {
	sel := s.sel
	byUID := make(map[uint32]*entry, len(sel.f.entries))
	for _, e := range sel.f.entries {
		byUID[e.uid] = e
	}
	maxVal := uint32(len(sel.view))
	if uid {
		maxVal = 0
		if n := len(sel.view); n > 0 {
			maxVal = sel.view[n-1]
		}
	}
	var ranges [][2]uint32
	for _, part := range strings.Split(set, ",") {
		lo, hi, ok := strings.Cut(part, ":")
		a, err := setNum(lo, maxVal)
		if err != nil {
			return nil, err
		}
		b := a
		if ok {
			if b, err = setNum(hi, maxVal); err != nil {
				return nil, err
			}
		}
		ranges = append(ranges, [2]uint32{min(a, b), max(a, b)})
	}
	in := func(n uint32) bool {
		for _, r := range ranges {
			if n >= r[0] && n <= r[1] {
				return true
			}
		}
		return false
	}
	var out []target
	for i, u := range sel.view {
		key := uint32(i + 1)
		if uid {
			key = u
		}
		if e := byUID[u]; e != nil && in(key) {
			out = append(out, target{seq: i + 1, e: e})
		}
	}
	return out, nil
}

func setNum(s string, star uint32) (uint32, error) {
	if s == "*" {
		return star, nil
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n == 0 {
		return 0, bad("bad sequence set")
	}
	return uint32(n), nil
}

// updates tells the session what changed in its folder since it was last
// told: EXPUNGE (only when expunges is true: RFC 9051 §7.5.1 forbids them
// during FETCH, STORE and SEARCH by sequence number), EXISTS, and FETCH
// with the new flags of changed messages. It takes a.mu.
func (s *session) updates(expunges bool) {
	s.acct.mu.Lock()
	defer s.acct.mu.Unlock()
	s.updatesLocked(expunges)
}

func (s *session) updatesLocked(expunges bool) {
	sel := s.sel
	if sel == nil {
		return
	}
	present := make(map[uint32]*entry, len(sel.f.entries))
	for _, e := range sel.f.entries {
		present[e.uid] = e
	}
	if expunges {
		for i := len(sel.view) - 1; i >= 0; i-- {
			if present[sel.view[i]] == nil {
				s.line("* %d EXPUNGE", i+1)
				sel.view = append(sel.view[:i], sel.view[i+1:]...)
			}
		}
	}
	last := uint32(0)
	if n := len(sel.view); n > 0 {
		last = sel.view[n-1]
	}
	grew := false
	for _, e := range sel.f.entries {
		if e.uid > last {
			sel.view = append(sel.view, e.uid)
			grew = true
		}
	}
	if grew {
		s.line("* %d EXISTS", len(sel.view))
	}
	for i, u := range sel.view {
		if e := present[u]; e != nil && e.m.modSeq > sel.seenMod {
			s.line("* %d FETCH (%s)", i+1, s.flagItems(e))
		}
	}
	sel.seenMod = s.acct.modSeq
}

// flagItems is "UID u FLAGS (...) [MODSEQ (n)]" for an unsolicited FETCH.
func (s *session) flagItems(e *entry) string {
	out := fmt.Sprintf("UID %d FLAGS (%s)", e.uid, strings.Join(e.m.flagList(e), " "))
	if s.condstore {
		out += fmt.Sprintf(" MODSEQ (%d)", e.m.modSeq)
	}
	return out
}

// cmdIdle waits for DONE, sending updates as they happen (RFC 2177).
func (s *session) cmdIdle(tag string) error {
	if !s.authed {
		return bad("IDLE needs login")
	}
	s.line("+ idling")
	if err := s.flush(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() {
		line, err := readLine(s.r)
		if err == nil && !strings.EqualFold(line, "DONE") {
			err = bad("expected DONE")
		}
		done <- err
	}()
	for {
		s.acct.mu.Lock()
		wake := s.acct.changed
		s.updatesLocked(true)
		s.acct.mu.Unlock()
		if err := s.flush(); err != nil {
			<-done
			return err
		}
		select {
		case err := <-done:
			return err
		case <-wake:
		}
	}
}

// expungeMarked removes the messages marked \Deleted in f (all, or those
// in only), with Gmail's meaning of removal from a folder:
//   - a label folder (INBOX, Sent, Starred, a user label …): the label is
//     removed, the message stays in All Mail;
//   - All Mail: the message moves to Trash (Gmail's default "move the
//     message to the Trash" for a message expunged from its last visible
//     folder);
//   - Trash, Spam: the message is deleted for good.
//
// The caller holds a.mu.
func (a *account) expungeMarked(f *folder, only map[uint32]bool) {
	for _, e := range f.entries {
		if !e.deleted || (only != nil && !only[e.uid]) {
			continue
		}
		a.removeFrom(f, e.m)
	}
	a.reconcile()
}

// removeFrom takes m out of f with Gmail's semantics (see expungeMarked).
func (a *account) removeFrom(f *folder, m *message) {
	switch f.label {
	case "":
		m.labels[LabelTrash] = true
	case LabelTrash, LabelSpam:
		a.remove(m)
	default:
		delete(m.labels, f.label)
	}
	a.touch(m)
}

func (s *session) cmdExpunge(uid bool, args []tok) error {
	if s.sel.readOnly {
		return no("[READ-ONLY] folder is read-only")
	}
	a := s.acct
	a.mu.Lock()
	defer a.mu.Unlock()
	var only map[uint32]bool
	if uid {
		if len(args) != 1 {
			return bad("UID EXPUNGE set")
		}
		ts, err := s.resolve(args[0].atom, true)
		if err != nil {
			return err
		}
		only = map[uint32]bool{}
		for _, t := range ts {
			only[t.e.uid] = true
		}
	}
	a.expungeMarked(s.sel.f, only)
	s.updatesLocked(true)
	return nil
}

// cmdCopy is COPY and MOVE (RFC 6851) between labels: copying adds the
// destination's label (to Trash: moves to Trash; to All Mail: nothing),
// moving also removes the message from the source folder as expunge would.
// COPYUID (RFC 4315) gives the destination UIDs.
func (s *session) cmdCopy(uid, move bool, args []tok) error {
	if len(args) != 2 {
		return bad("COPY set mailbox")
	}
	a := s.acct
	a.mu.Lock()
	defer a.mu.Unlock()
	dst := a.folder(s.name(args[1]))
	if dst == nil {
		return no("[TRYCREATE] Folder doesn't exist. (Failure)")
	}
	ts, err := s.resolve(args[0].atom, uid)
	if err != nil {
		return err
	}
	for _, t := range ts {
		switch dst.label {
		case "":
			delete(t.e.m.labels, LabelTrash)
			delete(t.e.m.labels, LabelSpam)
		default:
			t.e.m.labels[dst.label] = true
		}
		if move && dst != s.sel.f && s.sel.f.label != "" {
			delete(t.e.m.labels, s.sel.f.label)
		}
		a.touch(t.e.m)
	}
	a.reconcile()
	code := copyUID(dst, ts, s.sel.f)
	s.updatesLocked(move)
	if code == "" {
		return nil
	}
	return okCode("%s (Success)", code)
}

// copyUID builds "[COPYUID v src dst]" from where the targets now are.
func copyUID(dst *folder, ts []target, src *folder) string {
	var from, to []string
	for _, t := range ts {
		for _, e := range dst.entries {
			if e.m == t.e.m {
				from = append(from, strconv.Itoa(int(t.e.uid)))
				to = append(to, strconv.Itoa(int(e.uid)))
			}
		}
	}
	if len(from) == 0 {
		return ""
	}
	return fmt.Sprintf("[COPYUID %d %s %s]", dst.uidValidity, strings.Join(from, ","), strings.Join(to, ","))
}

// sortedUIDs formats UIDs as a compact sequence set.
func sortedUIDs(uids []uint32) string {
	sort.Slice(uids, func(i, j int) bool { return uids[i] < uids[j] })
	var parts []string
	for i := 0; i < len(uids); {
		j := i
		for j+1 < len(uids) && uids[j+1] == uids[j]+1 {
			j++
		}
		if i == j {
			parts = append(parts, strconv.FormatUint(uint64(uids[i]), 10))
		} else {
			parts = append(parts, fmt.Sprintf("%d:%d", uids[i], uids[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}
