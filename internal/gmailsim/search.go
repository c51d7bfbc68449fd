package gmailsim

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// pred is a compiled search key.
type pred func(t target) bool

// cmdSearch answers SEARCH and UID SEARCH (RFC 9051 §6.4.4) with Gmail's
// X-GM-RAW, X-GM-MSGID, X-GM-THRID and X-GM-LABELS keys, CONDSTORE's
// MODSEQ key (RFC 7162 §3.1.5) and ESEARCH's RETURN (RFC 4731).
func (s *session) cmdSearch(uid bool, args []tok) error {
	var ret []string
	esearch := false
	if len(args) >= 2 && args[0].isAtom("RETURN") && args[1].isList {
		esearch = true
		for _, r := range args[1].list {
			ret = append(ret, strings.ToUpper(r.atom))
		}
		args = args[2:]
	}
	if len(args) >= 2 && args[0].isAtom("CHARSET") {
		args = args[2:]
	}
	a := s.acct
	a.mu.Lock()
	defer a.mu.Unlock()
	p, rest, err := s.compileAll(args, uid)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return bad("unexpected search key %v", rest[0].atom)
	}
	all, err := s.resolve("1:*", false)
	if err != nil {
		return err
	}
	var hits []uint32
	for _, t := range all {
		if p(t) {
			hits = append(hits, uint32(pick(uid, t)))
		}
	}
	if esearch {
		s.esearch(uid, ret, hits)
	} else {
		line := "* SEARCH"
		for _, h := range hits {
			line += " " + strconv.FormatUint(uint64(h), 10)
		}
		s.line("%s", line)
	}
	s.updatesLocked(uid)
	return nil
}

// esearch writes "* ESEARCH (TAG ...) [UID] ..." (RFC 4731 §3.1); an
// empty RETURN () means ALL.
func (s *session) esearch(uid bool, ret []string, hits []uint32) {
	if len(ret) == 0 {
		ret = []string{"ALL"}
	}
	out := "* ESEARCH"
	if uid {
		out += " UID"
	}
	for _, r := range ret {
		switch {
		case r == "ALL" && len(hits) > 0:
			out += " ALL " + sortedUIDs(append([]uint32(nil), hits...))
		case r == "COUNT":
			out += fmt.Sprintf(" COUNT %d", len(hits))
		case r == "MIN" && len(hits) > 0:
			out += fmt.Sprintf(" MIN %d", hits[0])
		case r == "MAX" && len(hits) > 0:
			out += fmt.Sprintf(" MAX %d", hits[len(hits)-1])
		}
	}
	s.line("%s", out)
}

// compileAll ANDs keys until the arguments (or a list) end.
func (s *session) compileAll(args []tok, uid bool) (pred, []tok, error) {
	var ps []pred
	for len(args) > 0 {
		p, rest, err := s.compile(args)
		if err != nil {
			return nil, nil, err
		}
		ps, args = append(ps, p), rest
	}
	return func(t target) bool {
		for _, p := range ps {
			if !p(t) {
				return false
			}
		}
		return true
	}, nil, nil
}

func flagPred(f string, want bool) pred {
	return func(t target) bool {
		has := false
		for _, x := range t.e.m.flagList(t.e) {
			has = has || strings.EqualFold(x, f)
		}
		return has == want
	}
}

// compile reads one search key from args.
func (s *session) compile(args []tok) (pred, []tok, error) {
	k := args[0]
	if k.isList {
		p, _, err := s.compileAll(k.list, false)
		return p, args[1:], err
	}
	key := strings.ToUpper(k.atom)
	if fl, ok := flagKeys[key]; ok {
		return flagPred(fl.flag, fl.want), args[1:], nil
	}
	switch key {
	case "ALL":
		return func(target) bool { return true }, args[1:], nil
	case "NOT":
		if len(args) < 2 {
			return nil, nil, bad("NOT needs a key")
		}
		p, rest, err := s.compile(args[1:])
		if err != nil {
			return nil, nil, err
		}
		return func(t target) bool { return !p(t) }, rest, nil
	case "OR":
		if len(args) < 2 {
			return nil, nil, bad("OR needs two keys")
		}
		p1, rest, err := s.compile(args[1:])
		if err != nil || len(rest) == 0 {
			return nil, nil, bad("OR needs two keys")
		}
		p2, rest, err := s.compile(rest)
		if err != nil {
			return nil, nil, err
		}
		return func(t target) bool { return p1(t) || p2(t) }, rest, nil
	}
	if len(args) < 2 {
		if p, err := s.setKey(k.atom); err == nil {
			return p, args[1:], nil
		}
		return nil, nil, bad("search key %s needs an argument", key)
	}
	return s.compileArg(key, args)
}

var flagKeys = map[string]struct {
	flag string
	want bool
}{
	"SEEN": {`\Seen`, true}, "UNSEEN": {`\Seen`, false},
	"FLAGGED": {`\Flagged`, true}, "UNFLAGGED": {`\Flagged`, false},
	"ANSWERED": {`\Answered`, true}, "UNANSWERED": {`\Answered`, false},
	"DELETED": {`\Deleted`, true}, "UNDELETED": {`\Deleted`, false},
	"DRAFT": {`\Draft`, true}, "UNDRAFT": {`\Draft`, false},
}

// compileArg handles the keys that take an argument.
func (s *session) compileArg(key string, args []tok) (pred, []tok, error) {
	v, _ := args[1].text()
	rest := args[2:]
	num := func() uint64 { n, _ := strconv.ParseUint(v, 10, 64); return n }
	switch key {
	case "UID":
		p, err := s.uidKey(v)
		return p, rest, err
	case "X-GM-RAW":
		p, err := rawQuery(v)
		return p, rest, err
	case "X-GM-MSGID":
		n := num()
		return func(t target) bool { return t.e.m.msgID == n }, rest, nil
	case "X-GM-THRID":
		n := num()
		return func(t target) bool { return t.e.m.thrID == n }, rest, nil
	case "X-GM-LABELS":
		l := canonLabel(s.name(args[1]))
		return func(t target) bool { return t.e.m.labels[l] }, rest, nil
	case "MODSEQ":
		if len(args) >= 4 && args[1].str != nil { // entry-name entry-type-req
			v, rest = args[3].atom, args[4:]
		}
		n := num()
		s.condstore = true
		return func(t target) bool { return t.e.m.modSeq >= n }, rest, nil
	case "KEYWORD", "UNKEYWORD":
		return flagPred(v, key == "KEYWORD"), rest, nil
	case "LARGER":
		n := num()
		return func(t target) bool { return uint64(len(t.e.m.body)) > n }, rest, nil
	case "SMALLER":
		n := num()
		return func(t target) bool { return uint64(len(t.e.m.body)) < n }, rest, nil
	case "SINCE", "BEFORE", "ON":
		return datePred(key, v), rest, nil
	case "SUBJECT", "FROM", "TO", "CC", "BCC":
		return headerPred(key, v), rest, nil
	case "HEADER":
		if len(args) < 3 {
			return nil, nil, bad("HEADER field value")
		}
		val, _ := args[2].text()
		return headerPred(v, val), args[3:], nil
	case "BODY", "TEXT":
		return textPred(v), rest, nil
	}
	if p, err := s.setKey(args[0].atom); err == nil {
		return p, args[1:], nil
	}
	return nil, nil, bad("search key %s not modeled", key)
}

// setKey is a bare sequence set.
func (s *session) setKey(set string) (pred, error) {
	ts, err := s.resolve(set, false)
	if err != nil {
		return nil, err
	}
	in := map[*entry]bool{}
	for _, t := range ts {
		in[t.e] = true
	}
	return func(t target) bool { return in[t.e] }, nil
}

func (s *session) uidKey(set string) (pred, error) {
	ts, err := s.resolve(set, true)
	if err != nil {
		return nil, err
	}
	in := map[*entry]bool{}
	for _, t := range ts {
		in[t.e] = true
	}
	return func(t target) bool { return in[t.e] }, nil
}

func datePred(key, v string) pred {
	d, err := time.Parse("2-Jan-2006", v)
	if err != nil {
		return func(target) bool { return false }
	}
	return func(t target) bool {
		y, m, dd := t.e.m.date.Date()
		day := time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
		switch key {
		case "SINCE":
			return !day.Before(d)
		case "BEFORE":
			return day.Before(d)
		}
		return day.Equal(d)
	}
}

func headerPred(field, v string) pred {
	want := strings.ToLower(v)
	return func(t target) bool {
		h, _ := split(t.e.m.body)
		got := headerFields(h, "HEADER.FIELDS ("+field+")")
		_, val, _ := bytes.Cut(got, []byte(":"))
		return len(got) > 2 && strings.Contains(strings.ToLower(string(val)), want)
	}
}

func textPred(v string) pred {
	want := strings.ToLower(v)
	return func(t target) bool { return strings.Contains(strings.ToLower(string(t.e.m.body)), want) }
}

// rawQuery compiles a subset of Gmail's search syntax (X-GM-RAW): space-
// separated terms, all of which must hold, each optionally negated by
// "-": label:L, in:inbox|sent|drafts|trash|spam|starred|important|anywhere,
// is:starred|unread|read|important, from:, to:, subject:,
// rfc822msgid:, larger:N, smaller:N, and plain words (found anywhere in
// the message, case-insensitively).
func rawQuery(q string) (pred, error) {
	var ps []pred
	for _, term := range strings.Fields(q) {
		neg := strings.HasPrefix(term, "-")
		term = strings.TrimPrefix(term, "-")
		p, err := rawTerm(term)
		if err != nil {
			return nil, err
		}
		if neg {
			inner := p
			p = func(t target) bool { return !inner(t) }
		}
		ps = append(ps, p)
	}
	return func(t target) bool {
		for _, p := range ps {
			if !p(t) {
				return false
			}
		}
		return true
	}, nil
}

var inLabels = map[string]string{
	"inbox": LabelInbox, "sent": LabelSent, "drafts": LabelDraft, "trash": LabelTrash,
	"spam": LabelSpam, "starred": LabelStarred, "important": LabelImportant,
}

func rawTerm(term string) (pred, error) {
	op, v, ok := strings.Cut(term, ":")
	if !ok {
		return textPred(strings.Trim(term, `"`)), nil
	}
	has := func(l string) pred { return func(t target) bool { return t.e.m.labels[l] } }
	switch strings.ToLower(op) {
	case "label":
		return has(wireLabel(v)), nil
	case "in":
		if v == "anywhere" {
			return func(target) bool { return true }, nil
		}
		return has(inLabels[strings.ToLower(v)]), nil
	case "is":
		switch strings.ToLower(v) {
		case "starred":
			return has(LabelStarred), nil
		case "important":
			return has(LabelImportant), nil
		case "unread":
			return flagPred(`\Seen`, false), nil
		case "read":
			return flagPred(`\Seen`, true), nil
		}
	case "from", "to", "subject":
		return headerPred(op, v), nil
	case "rfc822msgid":
		return headerPred("Message-ID", v), nil
	case "larger", "smaller":
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return nil, bad("X-GM-RAW %s: not a number", op)
		}
		if op == "larger" {
			return func(t target) bool { return uint64(len(t.e.m.body)) > n }, nil
		}
		return func(t target) bool { return uint64(len(t.e.m.body)) < n }, nil
	}
	return nil, no("X-GM-RAW term %q not modeled", term)
}
