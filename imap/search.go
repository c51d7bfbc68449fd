package imap

import (
	"fmt"
	"strings"
)

// SearchData is the result of SEARCH (RFC 3501 §7.2.5, with the CONDSTORE
// "(MODSEQ n)" suffix of RFC 7162 §3.1.5) or ESEARCH (RFC 9051 §7.3.4,
// RFC 4731). Numbers are UIDs when UID is set, else sequence numbers; both
// sets hold the same members in their own type so no conversion is needed.
type SearchData struct {
	Tag      string // ESEARCH search correlator; "" for SEARCH
	UID      bool
	UIDs     UIDSet // filled when UID
	Seqs     SeqSet // filled when !UID
	Min, Max uint32 // ESEARCH MIN/MAX; 0 when absent
	Count    uint32
	HasCount bool
	ModSeq   ModSeq // highest mod-sequence of the matches, 0 when absent
}

// ParseSearch converts "* SEARCH n ..." (uid says whether the command was
// UID SEARCH) or "* ESEARCH ..." (which says so itself).
func ParseSearch(resp *Response, uid bool) (*SearchData, error) {
	switch resp.Name() {
	case "SEARCH", "SORT":
		return parseOldSearch(resp.Args(), uid)
	case "ESEARCH":
		return parseESearch(resp.Args())
	}
	return nil, fmt.Errorf("imap: not a SEARCH or ESEARCH response: %s", resp.Name())
}

func parseOldSearch(args []Value, uid bool) (*SearchData, error) {
	d := &SearchData{UID: uid}
	for _, a := range args {
		if l, ok := a.(List); ok {
			if len(l) == 2 && IsAtomNamed(l[0], "MODSEQ") {
				n, _ := AsNumber(l[1])
				d.ModSeq = ModSeq(n)
				continue
			}
			return nil, fmt.Errorf("imap: SEARCH: unexpected list %v", l)
		}
		n, ok := AsNumber(a)
		if !ok || n == 0 || n > 0xffffffff {
			return nil, fmt.Errorf("imap: SEARCH: %v is not a message number", a)
		}
		d.add(uint32(n))
	}
	return d, nil
}

func (d *SearchData) add(n uint32) {
	if d.UID {
		d.UIDs.AddNum(UID(n))
	} else {
		d.Seqs.AddNum(SeqNum(n))
	}
}

// parseESearch: "ESEARCH" [search-correlator] [SP "UID"] *(SP search-return-data).
func parseESearch(args []Value) (*SearchData, error) {
	d := &SearchData{}
	if len(args) > 0 {
		if l, ok := args[0].(List); ok {
			if len(l) != 2 || !IsAtomNamed(l[0], "TAG") {
				return nil, fmt.Errorf("imap: ESEARCH: bad correlator %v", l)
			}
			d.Tag, _ = AsString(l[1])
			args = args[1:]
		}
	}
	if len(args) > 0 && IsAtomNamed(args[0], "UID") {
		d.UID = true
		args = args[1:]
	}
	args = flattenModSeq(args)
	if len(args)%2 != 0 {
		return nil, fmt.Errorf("imap: ESEARCH: return data is not name-value pairs")
	}
	for i := 0; i < len(args); i += 2 {
		if err := d.setReturn(args[i], args[i+1]); err != nil {
			return nil, fmt.Errorf("imap: ESEARCH: %w", err)
		}
	}
	return d, nil
}

// flattenModSeq returns args with a parenthesized "(MODSEQ n)" spread
// out. Quirk: a server answering MailKit sent the MODSEQ return data in
// parentheses (MailKit issue 323); RFC 7162 §3.1.5 has no parentheses.
func flattenModSeq(args []Value) []Value {
	out := make([]Value, 0, len(args)+1)
	for _, a := range args {
		if l, ok := a.(List); ok && len(l) == 2 && IsAtomNamed(l[0], "MODSEQ") {
			out = append(out, l[0], l[1])
			continue
		}
		out = append(out, a)
	}
	return out
}

func (d *SearchData) setReturn(k, v Value) error {
	name, _ := AsAtom(k)
	name = strings.ToUpper(name)
	if name == "ALL" {
		s, ok := AsString(v)
		if !ok {
			return fmt.Errorf("ALL %v is not a sequence set", v)
		}
		var err error
		if d.UID {
			d.UIDs, err = ParseUIDSet(s)
		} else {
			d.Seqs, err = ParseSeqSet(s)
		}
		return err
	}
	n, ok := AsNumber(v)
	if !ok {
		return nil // unknown return data with a non-number value: ignored
	}
	switch name {
	case "MIN":
		d.Min = uint32(n)
	case "MAX":
		d.Max = uint32(n)
	case "COUNT":
		d.Count, d.HasCount = uint32(n), true
	case "MODSEQ":
		d.ModSeq = ModSeq(n)
	}
	return nil
}

// VanishedData is a VANISHED response (RFC 7162 §3.2.10): UIDs expunged;
// Earlier marks the reply to a QRESYNC SELECT or UID FETCH ... VANISHED
// rather than news.
type VanishedData struct {
	Earlier bool
	UIDs    UIDSet
}

// ParseVanished converts "* VANISHED [(EARLIER)] uid-set".
func ParseVanished(resp *Response) (VanishedData, error) {
	var d VanishedData
	args := resp.Args()
	if resp.Name() != "VANISHED" || len(args) == 0 {
		return d, fmt.Errorf("imap: not a VANISHED response: %s", resp)
	}
	if l, ok := args[0].(List); ok {
		if len(l) != 1 || !IsAtomNamed(l[0], "EARLIER") {
			return d, fmt.Errorf("imap: VANISHED: unexpected %v", l)
		}
		d.Earlier = true
		args = args[1:]
	}
	if len(args) != 1 {
		return d, fmt.Errorf("imap: VANISHED: want one UID set, got %d values", len(args))
	}
	var err error
	d.UIDs, err = uidSetArg("VANISHED", args[0])
	return d, err
}
