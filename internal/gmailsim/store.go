package gmailsim

import (
	"fmt"
	"strconv"
	"strings"
)

// cmdStore answers STORE and UID STORE (RFC 9051 §6.4.6) on FLAGS and on
// Gmail's X-GM-LABELS, with CONDSTORE's UNCHANGEDSINCE (RFC 7162 §3.1.3).
// \Flagged is the \Starred label; a label that does not exist is created.
// With auto-expunge (Gmail's default) \Deleted removes the message from
// the folder at once (see expungeMarked).
func (s *session) cmdStore(uid bool, args []tok) error {
	if len(args) < 3 {
		return bad("STORE set item value")
	}
	if s.sel.readOnly {
		return no("[READ-ONLY] folder is read-only")
	}
	var since uint64
	hasSince := false
	if args[1].isList {
		m := args[1].list
		if len(m) == 2 && m[0].isAtom("UNCHANGEDSINCE") {
			since, _ = strconv.ParseUint(m[1].atom, 10, 64)
			hasSince = true
			s.condstore = true
		}
		args = append([]tok{args[0]}, args[2:]...)
	}
	if len(args) < 3 {
		return bad("STORE set item value")
	}
	item := strings.ToUpper(args[1].atom)
	silent := strings.HasSuffix(item, ".SILENT")
	item = strings.TrimSuffix(item, ".SILENT")
	op := byte(0)
	if item != "" && (item[0] == '+' || item[0] == '-') {
		op, item = item[0], item[1:]
	}
	if item != "FLAGS" && item != "X-GM-LABELS" {
		return bad("STORE item %s", item)
	}
	vals := s.storeValues(args[2], item == "X-GM-LABELS")
	a := s.acct
	a.mu.Lock()
	defer a.mu.Unlock()
	ts, err := s.resolve(args[0].atom, uid)
	if err != nil {
		return err
	}
	var modified []string
	var changed []target
	for _, t := range ts {
		if hasSince && t.e.m.modSeq > since {
			modified = append(modified, strconv.Itoa(pick(uid, t)))
			continue
		}
		if item == "FLAGS" {
			s.storeFlags(t.e, op, vals)
		} else {
			a.storeLabels(t.e.m, op, vals)
		}
		a.touch(t.e.m)
		changed = append(changed, t)
	}
	if !silent {
		for _, t := range changed {
			s.line("* %d FETCH (%s)", t.seq, s.storeEcho(t.e, uid, item))
		}
	}
	a.reconcile()
	s.updatesLocked(uid)
	if len(modified) > 0 {
		return okCode("[MODIFIED %s] Conditional STORE failed", strings.Join(modified, ","))
	}
	return nil
}

func pick(uid bool, t target) int {
	if uid {
		return int(t.e.uid)
	}
	return t.seq
}

func (s *session) storeValues(t tok, labels bool) []string {
	list := []tok{t}
	if t.isList {
		list = t.list
	}
	var out []string
	for _, x := range list {
		switch v, ok := x.text(); {
		case ok && labels:
			out = append(out, s.name(x))
		case ok:
			out = append(out, v)
		}
	}
	return out
}

func (s *session) storeFlags(e *entry, op byte, vals []string) {
	a, m := s.acct, e.m
	if op == 0 {
		clear(m.flags)
		delete(m.labels, LabelStarred)
		delete(m.labels, LabelDraft)
		e.deleted = false
	}
	for _, f := range vals {
		on := op != '-'
		if strings.EqualFold(f, `\Deleted`) {
			e.deleted = on
			if on && !s.srv.opts.NoAutoExpunge {
				a.removeFrom(s.sel.f, m)
			}
			continue
		}
		a.setFlag(m, f, on)
	}
}

func (a *account) storeLabels(m *message, op byte, vals []string) {
	if op == 0 {
		for l := range m.labels {
			if l != LabelTrash && l != LabelSpam {
				delete(m.labels, l)
			}
		}
	}
	for _, l := range vals {
		if op == '-' {
			delete(m.labels, canonLabel(l))
		} else {
			a.addLabel(m, l)
		}
	}
}

// storeEcho is the FETCH a non-silent STORE answers with.
func (s *session) storeEcho(e *entry, uid bool, item string) string {
	var out string
	if item == "FLAGS" {
		out = fmt.Sprintf("FLAGS (%s)", strings.Join(e.m.flagList(e), " "))
	} else {
		out = "X-GM-LABELS (" + s.labelsText(e.m) + ")"
	}
	if uid {
		out = fmt.Sprintf("UID %d %s", e.uid, out)
	}
	if s.condstore {
		out += fmt.Sprintf(" MODSEQ (%d)", e.m.modSeq)
	}
	return out
}
