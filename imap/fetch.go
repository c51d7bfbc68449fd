package imap

import (
	"fmt"
	"strings"
	"time"
)

// FetchData is one FETCH response (RFC 9051 §7.5.2) in typed form. Fields
// of items the response did not carry keep their zero value; the Has...
// fields tell absent from empty where that matters.
type FetchData struct {
	Seq           SeqNum
	UID           UID
	Flags         []Flag
	HasFlags      bool
	InternalDate  time.Time
	Size          uint64 // RFC822.SIZE
	HasSize       bool
	Envelope      *Envelope
	BodyStructure *BodyStructure // BODYSTRUCTURE, or BODY without section
	Sections      []BodySection  // BODY[...], BINARY[...], RFC822, RFC822.HEADER, RFC822.TEXT
	BinarySizes   []BinarySize   // BINARY.SIZE[...] (RFC 3516)
	ModSeq        ModSeq         // MODSEQ (RFC 7162 §3.1.4)

	// Gmail (X-GM-EXT-1, see gmail.go): message and thread ids, and
	// labels in UTF-8 (decoded from modified UTF-7; system labels like
	// \Inbox keep their backslash, see GmailLabelName).
	GmailMsgID     uint64
	GmailThreadID  uint64
	GmailLabels    []string
	HasGmailLabels bool

	EmailID  string // RFC 8474 EMAILID
	ThreadID string // RFC 8474 THREADID ("" for NIL)

	Other []FetchItem // items this package does not know, as sent
}

// FetchItem is a FETCH item kept in generic form.
type FetchItem struct {
	Name  string // upper-cased
	Value Value
}

// BinarySize is one BINARY.SIZE[part] item.
type BinarySize struct {
	Part []int
	Size uint32
}

// ParseFetch converts a "* N FETCH (...)" response.
func ParseFetch(resp *Response) (*FetchData, error) {
	n, ok := resp.Num()
	if !ok || resp.Name() != "FETCH" {
		return nil, fmt.Errorf("imap: not a FETCH response: %s", resp.Name())
	}
	args := resp.Args()
	if len(args) != 1 {
		return nil, fmt.Errorf("imap: FETCH %d: want one list, got %d values", n, len(args))
	}
	items, ok := args[0].(List)
	if !ok || len(items)%2 != 0 {
		return nil, fmt.Errorf("imap: FETCH %d: items are not a list of name-value pairs", n)
	}
	f := &FetchData{Seq: SeqNum(n)}
	for i := 0; i < len(items); i += 2 {
		name, ok := AsAtom(items[i])
		if !ok {
			return nil, fmt.Errorf("imap: FETCH %d: item name %v is not an atom", n, items[i])
		}
		if err := f.setItem(strings.ToUpper(name), items[i+1]); err != nil {
			return nil, fmt.Errorf("imap: FETCH %d item %s: %w", n, name, err)
		}
	}
	return f, nil
}

func (f *FetchData) setItem(name string, v Value) error {
	var err error
	switch name {
	case "UID":
		var u uint32
		u, err = uint32Arg("UID", v)
		f.UID = UID(u)
	case "FLAGS":
		if isNil(v) {
			// Not in the ABNF (flag-list is never NIL); taken as FLAGS
			// absent rather than as "no flags", which would clear them.
			return nil
		}
		f.Flags, err = parseFlags(v)
		f.HasFlags = err == nil
	case "INTERNALDATE":
		// A date-time that does not parse is kept in Other rather than
		// failing the whole FETCH: the other items are still good.
		t, derr := parseDateTimeValue(v)
		if derr != nil {
			f.Other = append(f.Other, FetchItem{Name: name, Value: v})
		}
		f.InternalDate = t
	case "RFC822.SIZE":
		var ok bool
		f.Size, ok = AsNumber(v)
		f.HasSize = ok
		err = errIf(!ok, "not a number: %v", v)
	case "ENVELOPE":
		f.Envelope, err = ParseEnvelope(v)
	case "BODYSTRUCTURE", "BODY":
		f.BodyStructure, err = ParseBodyStructure(v)
	case "MODSEQ":
		f.ModSeq, err = parseModSeqList(v)
	default:
		return f.setOtherItem(name, v)
	}
	return err
}

func (f *FetchData) setOtherItem(name string, v Value) error {
	if ok, err := f.setGmailItem(name, v); ok {
		return err
	}
	var err error
	switch {
	case name == "EMAILID" || name == "THREADID":
		err = f.setObjectID(name, v)
	case strings.HasPrefix(name, "BINARY.SIZE["):
		err = f.addBinarySize(name, v)
	case isSectionItem(name):
		var s BodySection
		if s, err = ParseSection(name); err == nil {
			s.Value = v
			f.Sections = append(f.Sections, s)
		}
	default:
		f.Other = append(f.Other, FetchItem{Name: name, Value: v})
	}
	return err
}

// setObjectID: EMAILID (objectid) / THREADID (objectid) / NIL (RFC 8474
// §7, §5.2: THREADID NIL when the server does not thread the message).
// Tolerated besides: NIL for EMAILID, "()" and "(NIL)" (Cyrus IMAP 3.6
// sends THREADID (NIL)), all meaning no id.
func (f *FetchData) setObjectID(name string, v Value) error {
	if l, ok := v.(List); isNil(v) || (ok && (len(l) == 0 || len(l) == 1 && isNil(l[0]))) {
		return nil
	}
	l, ok := v.(List)
	if !ok || len(l) != 1 {
		return fmt.Errorf("not (objectid): %v", v)
	}
	id, ok := AsString(l[0])
	if !ok {
		return fmt.Errorf("not (objectid): %v", v)
	}
	if name == "EMAILID" {
		f.EmailID = id
	} else {
		f.ThreadID = id
	}
	return nil
}

func (f *FetchData) addBinarySize(name string, v Value) error {
	s, err := ParseSection(strings.Replace(name, "BINARY.SIZE", "BINARY", 1))
	if err != nil {
		return err
	}
	n, err := uint32Arg(name, v)
	f.BinarySizes = append(f.BinarySizes, BinarySize{Part: s.Part, Size: n})
	return err
}

// Section returns the first body section whose Spec equals spec ignoring
// case (e.g. "BODY[]", "BODY[HEADER]", "BINARY[1]"), or nil.
func (f *FetchData) Section(spec string) *BodySection {
	for i := range f.Sections {
		if strings.EqualFold(f.Sections[i].Spec(), spec) {
			return &f.Sections[i]
		}
	}
	return nil
}

func isSectionItem(name string) bool {
	switch name {
	case "RFC822", "RFC822.HEADER", "RFC822.TEXT":
		return true
	}
	return strings.HasPrefix(name, "BODY[") || strings.HasPrefix(name, "BINARY[") ||
		strings.HasPrefix(name, "BODY.PEEK[") || strings.HasPrefix(name, "BINARY.PEEK[")
}

// parseFlags: flag-list = "(" [flag *(SP flag)] ")". System flags are
// returned in their canonical spelling.
func parseFlags(v Value) ([]Flag, error) {
	l, ok := AsList(v)
	if !ok {
		return nil, fmt.Errorf("flags are not a list: %v", v)
	}
	out := make([]Flag, 0, len(l))
	for _, x := range l {
		s, ok := AsAtom(x)
		if !ok {
			// Quirk: a flag sent as a quoted string is taken as the flag.
			s, ok = AsString(x)
		}
		if !ok {
			return nil, fmt.Errorf("flag %v is not an atom", x)
		}
		out = append(out, Flag(s).Canonical())
	}
	return out, nil
}

// parseModSeqList: "(" mod-sequence-value ")" (RFC 7162 §7 fetch-mod-resp).
func parseModSeqList(v Value) (ModSeq, error) {
	l, ok := v.(List)
	if !ok || len(l) != 1 {
		return 0, fmt.Errorf("MODSEQ is not (number): %v", v)
	}
	n, ok := AsNumber(l[0])
	if !ok {
		return 0, fmt.Errorf("MODSEQ is not (number): %v", v)
	}
	return ModSeq(n), nil
}

func stringList(v Value) ([]string, error) {
	l, ok := AsList(v)
	if !ok {
		return nil, fmt.Errorf("not a list: %v", v)
	}
	out := make([]string, 0, len(l))
	for _, x := range l {
		s, ok := AsString(x)
		if !ok {
			s, ok = AsAtom(x)
		}
		if !ok {
			return nil, fmt.Errorf("%v is not a string", x)
		}
		out = append(out, s)
	}
	return out, nil
}

// isNil reports whether v is NIL (the decoder reads it in any case).
func isNil(v Value) bool {
	_, ok := v.(Nil)
	return ok
}

func errIf(cond bool, format string, args ...any) error {
	if cond {
		return fmt.Errorf(format, args...)
	}
	return nil
}
