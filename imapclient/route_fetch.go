package imapclient

import (
	"strings"

	"github.com/imapdir/imapdir/imap"
)

// fetchFilter tells whether a FETCH response belongs to a FETCH or STORE
// command (route.go): the message is in the command's set (UID FETCH
// set ...: args[2]; FETCH set ...: args[1]), the command has not had it
// yet (Dovecot interleaves the answers of two FETCHes of the same message;
// the second answer belongs to the later command), and the items fit. It
// is used on the reader goroutine only.
type fetchFilter struct {
	uid   bool
	uids  imap.UIDSet
	seqs  imap.SeqSet
	items itemSet
	seenU imap.UIDSet
	seenS imap.SeqSet
}

// newFetchFilter returns the filter of a FETCH or STORE command, nil for
// other commands or a set it cannot read.
func newFetchFilter(name string, args []imap.Value) *fetchFilter {
	switch name {
	case "UID FETCH", "UID STORE":
		if len(args) > 2 {
			if set, ok := uidSetOf(args[2]); ok {
				return &fetchFilter{uid: true, uids: set, items: requestedItems(name, args[3:])}
			}
		}
	case "FETCH", "STORE":
		if len(args) > 1 {
			if set, ok := seqSetOf(args[1]); ok {
				return &fetchFilter{seqs: set, items: requestedItems(name, args[2:])}
			}
		}
	}
	return nil
}

// match says how a FETCH response fits the command.
func (f *fetchFilter) match(r *imap.Response) match {
	if f.uid {
		if u, found := fetchUID(r); found && (!f.uids.Contains(u) || f.seenU.Contains(u)) {
			return noMatch
		}
	} else {
		n, _ := r.Num()
		if !f.seqs.Contains(imap.SeqNum(n)) || f.seenS.Contains(imap.SeqNum(n)) {
			return noMatch
		}
	}
	return f.items.fit(r)
}

// taken notes that the command took the response's message.
func (f *fetchFilter) taken(r *imap.Response) {
	if f.uid {
		if u, found := fetchUID(r); found {
			f.seenU.AddNum(u)
		}
		return
	}
	n, _ := r.Num()
	f.seenS.AddNum(imap.SeqNum(n))
}

// itemSet is the set of FETCH item kinds a command asked for ("ENVELOPE",
// "BODY[" for any section, ...); nil means unknown: any response fits.
type itemSet map[string]bool

// implicitItems may come in a FETCH response without being asked for:
// UID in answers to UID commands, FLAGS when a fetch sets \Seen or after
// STORE, MODSEQ with CONDSTORE (RFC 7162 §3.1.4.1).
var implicitItems = map[string]bool{"UID": true, "FLAGS": true, "MODSEQ": true}

// fetchMacros expand to their items (RFC 9051 §6.4.5).
var fetchMacros = map[string][]string{
	"ALL":  {"FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"},
	"FAST": {"FLAGS", "INTERNALDATE", "RFC822.SIZE"},
	"FULL": {"FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"},
}

// requestedItems reads the item list of FETCH (a list or one item); a
// STORE asks for nothing beyond the implicit items.
func requestedItems(name string, rest []imap.Value) itemSet {
	set := itemSet{}
	if strings.HasSuffix(name, "STORE") {
		return set
	}
	if len(rest) == 0 {
		return nil
	}
	var vals []imap.Value
	if l, ok := rest[0].(imap.List); ok {
		vals = l
	} else {
		vals = []imap.Value{rest[0]}
	}
	for _, v := range vals {
		var text string
		switch v := v.(type) {
		case imap.Atom:
			text = string(v)
		case imap.Raw:
			text = string(v)
		default:
			return nil
		}
		for _, tok := range splitItems(text) {
			k := itemKind(tok)
			if exp, ok := fetchMacros[k]; ok {
				for _, e := range exp {
					set[e] = true
				}
				continue
			}
			set[k] = true
		}
	}
	return set
}

// splitItems splits "UID BODY.PEEK[HEADER.FIELDS (A B)] PREVIEW (LAZY)"
// at the spaces outside brackets and parentheses, dropping parenthesized
// modifiers.
func splitItems(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) {
			switch s[i] {
			case '[', '(':
				depth++
				continue
			case ']', ')':
				depth--
				continue
			case ' ':
				if depth > 0 {
					continue
				}
			default:
				continue
			}
		}
		if tok := s[start:i]; tok != "" && tok[0] != '(' {
			out = append(out, tok)
		}
		start = i + 1
	}
	return out
}

// itemKind names the kind of a FETCH item as asked or answered:
// "BODY.PEEK[HEADER]" and "BODY[HEADER]<0>" are both "BODY[".
func itemKind(s string) string {
	s = strings.ToUpper(s)
	if i := strings.IndexByte(s, '['); i >= 0 {
		s = s[:i+1]
	}
	return strings.Replace(s, ".PEEK", "", 1)
}

// fit says how a FETCH response's items fit the request (route.go).
func (want itemSet) fit(r *imap.Response) match {
	if want == nil {
		return exact
	}
	args := r.Args()
	if len(args) != 1 {
		return fallback
	}
	items, _ := args[0].(imap.List)
	asked := false
	for k := range want {
		asked = asked || !implicitItems[k]
	}
	carriedAsked, carriedOther := false, false
	for i := 0; i < len(items); i += 2 {
		a, _ := imap.AsAtom(items[i])
		switch k := itemKind(a); {
		case implicitItems[k]:
		case want[k]:
			carriedAsked = true
		default:
			carriedOther = true
		}
	}
	switch {
	case carriedAsked || !asked:
		return exact
	case carriedOther:
		return fallback
	}
	return noMatch // only UID/FLAGS/MODSEQ where more was asked: a flag change
}

func uidSetOf(v imap.Value) (imap.UIDSet, bool) {
	switch v := v.(type) {
	case imap.UIDSet:
		return v, true
	case imap.UID:
		return imap.UIDSetOf(v), true
	}
	s, ok := imap.AsString(v)
	if !ok {
		return imap.UIDSet{}, false
	}
	set, err := imap.ParseUIDSet(s)
	return set, err == nil
}

func seqSetOf(v imap.Value) (imap.SeqSet, bool) {
	switch v := v.(type) {
	case imap.SeqSet:
		return v, true
	case imap.SeqNum:
		return imap.SeqSetOf(v), true
	}
	s, ok := imap.AsString(v)
	if !ok {
		return imap.SeqSet{}, false
	}
	set, err := imap.ParseSeqSet(s)
	return set, err == nil
}

// fetchUID finds the UID item of a FETCH response without a full parse.
func fetchUID(r *imap.Response) (imap.UID, bool) {
	args := r.Args()
	if len(args) != 1 {
		return 0, false
	}
	items, ok := args[0].(imap.List)
	if !ok {
		return 0, false
	}
	for i := 0; i+1 < len(items); i += 2 {
		if imap.IsAtomNamed(items[i], "UID") {
			n, ok := imap.AsNumber(items[i+1])
			return imap.UID(n), ok
		}
	}
	return 0, false
}
