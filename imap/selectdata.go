package imap

import (
	"fmt"
)

// SelectData is what SELECT or EXAMINE report about the mailbox
// (RFC 9051 §6.3.2, §7.3; RFC 7162 §3.1.2, §3.2.5). Feed every response of
// the command, tagged one included, to Apply.
type SelectData struct {
	Flags             []Flag
	PermanentFlags    []Flag
	HasPermanentFlags bool
	Exists            uint32
	Recent            uint32 // IMAP4rev1 only
	UIDValidity       uint32
	UIDNext           UID
	HighestModSeq     ModSeq // 0 when unknown
	NoModSeq          bool   // the mailbox does not support mod-sequences
	Unseen            SeqNum // IMAP4rev1 UNSEEN code
	ReadOnly          bool   // READ-ONLY code on the tagged OK
	MailboxID         string // RFC 8474

	// QRESYNC (RFC 7162 §3.2.5): UIDs expunged since the known state, and
	// FETCH responses for messages changed since then.
	Vanished UIDSet
	Changed  []*FetchData
}

// Apply takes one response of a SELECT/EXAMINE command and reports whether
// it carried select data. A CLOSED code (RFC 7162 §3.2.11) clears what was
// gathered so far, since responses before it belong to the previous mailbox.
func (s *SelectData) Apply(resp *Response) (bool, error) {
	if resp.Status != "" {
		return s.applyCode(resp)
	}
	switch resp.Name() {
	case "FLAGS":
		f, err := parseFlags(List(resp.Args()).first())
		s.Flags = f
		return true, err
	case "EXISTS", "RECENT":
		n, ok := resp.Num()
		if !ok {
			return true, fmt.Errorf("imap: %s without a number", resp.Name())
		}
		if resp.Name() == "EXISTS" {
			s.Exists = n
		} else {
			s.Recent = n
		}
		return true, nil
	case "VANISHED":
		v, err := ParseVanished(resp)
		s.Vanished.AddSet(v.UIDs)
		return true, err
	case "FETCH":
		f, err := ParseFetch(resp)
		if err == nil {
			s.Changed = append(s.Changed, f)
		}
		return true, err
	}
	return false, nil
}

func (l List) first() Value {
	if len(l) == 0 {
		return NIL
	}
	return l[0]
}

func (s *SelectData) applyCode(resp *Response) (bool, error) {
	var err error
	var n uint64
	switch resp.Code {
	case CodeClosed:
		*s = SelectData{}
	case CodePermanentFlags:
		s.PermanentFlags, err = parseFlags(List(resp.CodeArgs).first())
		s.HasPermanentFlags = err == nil
	case CodeUIDValidity, CodeUIDNext, CodeUnseen, CodeHighestModSeq:
		n, err = ParseCodeNumber(resp.Code, resp.CodeArgs)
		s.setNumber(resp.Code, n)
	case CodeNoModSeq:
		s.NoModSeq = true
	case CodeReadOnly:
		s.ReadOnly = true
	case CodeReadWrite:
		s.ReadOnly = false
	case CodeMailboxID:
		if l, ok := List(resp.CodeArgs).first().(List); ok && len(l) == 1 {
			s.MailboxID, _ = AsString(l[0])
		}
	default:
		return false, nil
	}
	if err != nil {
		return true, fmt.Errorf("imap: SELECT %s code: %w", resp.Code, err)
	}
	return true, nil
}

func (s *SelectData) setNumber(code ResponseCode, n uint64) {
	switch code {
	case CodeUIDValidity:
		s.UIDValidity = uint32(n)
	case CodeUIDNext:
		s.UIDNext = UID(n)
	case CodeUnseen:
		s.Unseen = SeqNum(n)
	case CodeHighestModSeq:
		s.HighestModSeq = ModSeq(n)
	}
}

// StatusData is a STATUS response (RFC 9051 §7.2.4; HIGHESTMODSEQ from
// RFC 7162, SIZE and DELETED from RFC 9051, APPENDLIMIT from RFC 7889,
// MAILBOXID from RFC 8474). Items lists the items present, upper-cased.
type StatusData struct {
	Mailbox       string // decoded from modified UTF-7 unless utf8 was given
	Messages      uint32
	Recent        uint32
	UIDNext       UID
	UIDValidity   uint32
	Unseen        uint32
	Deleted       uint32
	Size          uint64
	HighestModSeq ModSeq
	AppendLimit   uint64
	MailboxID     string
	Items         []string
}

// Has reports whether item (e.g. "UIDNEXT") was in the response.
func (s *StatusData) Has(item string) bool {
	for _, i := range s.Items {
		if i == item {
			return true
		}
	}
	return false
}

// ParseStatus converts "* STATUS mailbox (item value ...)". utf8 says that
// UTF8=ACCEPT or IMAP4rev2 is in effect (names are not modified UTF-7).
func ParseStatus(resp *Response, utf8 bool) (*StatusData, error) {
	args := resp.Args()
	if resp.Name() != "STATUS" || len(args) != 2 {
		return nil, fmt.Errorf("imap: not a STATUS response: %s", resp)
	}
	name, err := mailboxName(args[0], utf8)
	if err != nil {
		return nil, err
	}
	items, ok := AsList(args[1])
	if !ok || len(items)%2 != 0 {
		return nil, fmt.Errorf("imap: STATUS %s: items are not name-value pairs", name)
	}
	s := &StatusData{Mailbox: name}
	for i := 0; i < len(items); i += 2 {
		if err := s.set(items[i], items[i+1]); err != nil {
			return nil, fmt.Errorf("imap: STATUS %s: %w", name, err)
		}
	}
	return s, nil
}

func (s *StatusData) set(k, v Value) error {
	name, _ := AsAtom(k)
	name = upper(name)
	s.Items = append(s.Items, name)
	if name == "MAILBOXID" {
		l, ok := v.(List)
		if ok && len(l) == 1 {
			s.MailboxID, _ = AsString(l[0])
		}
		return nil
	}
	n, ok := AsNumber(v)
	if !ok {
		return fmt.Errorf("item %s value %v is not a number", name, v)
	}
	switch name {
	case "MESSAGES":
		s.Messages = uint32(n)
	case "RECENT":
		s.Recent = uint32(n)
	case "UIDNEXT":
		s.UIDNext = UID(n)
	case "UIDVALIDITY":
		s.UIDValidity = uint32(n)
	case "UNSEEN":
		s.Unseen = uint32(n)
	case "DELETED":
		s.Deleted = uint32(n)
	case "SIZE":
		s.Size = n
	case "HIGHESTMODSEQ":
		s.HighestModSeq = ModSeq(n)
	case "APPENDLIMIT":
		s.AppendLimit = n
	}
	return nil
}
