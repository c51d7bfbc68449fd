package imap

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/imapdir/imapdir/mutf7"
)

// MailboxAttr is a mailbox attribute of a LIST response (RFC 9051 §7.3.1,
// RFC 6154 special-use), compared case-insensitively.
type MailboxAttr string

// Mailbox attributes.
const (
	AttrNoInferiors   MailboxAttr = `\Noinferiors`
	AttrNoSelect      MailboxAttr = `\Noselect`
	AttrNonExistent   MailboxAttr = `\NonExistent`
	AttrHasChildren   MailboxAttr = `\HasChildren`
	AttrHasNoChildren MailboxAttr = `\HasNoChildren`
	AttrMarked        MailboxAttr = `\Marked`
	AttrUnmarked      MailboxAttr = `\Unmarked`
	AttrSubscribed    MailboxAttr = `\Subscribed`
	AttrRemote        MailboxAttr = `\Remote`
	// Special-use (RFC 6154 §2, RFC 8457 \Important).
	AttrAll       MailboxAttr = `\All`
	AttrArchive   MailboxAttr = `\Archive`
	AttrDrafts    MailboxAttr = `\Drafts`
	AttrFlagged   MailboxAttr = `\Flagged`
	AttrJunk      MailboxAttr = `\Junk`
	AttrSent      MailboxAttr = `\Sent`
	AttrTrash     MailboxAttr = `\Trash`
	AttrImportant MailboxAttr = `\Important`
)

var specialUse = [...]MailboxAttr{AttrAll, AttrArchive, AttrDrafts, AttrFlagged, AttrJunk, AttrSent, AttrTrash, AttrImportant}

// ListData is a LIST or LSUB response (RFC 9051 §7.3.1, RFC 5258 extended
// data). With LIST-STATUS (RFC 5819) the server sends a separate STATUS
// response per mailbox; pair them by name.
type ListData struct {
	Attrs     []MailboxAttr
	Delim     rune   // hierarchy delimiter; 0 when NIL (flat namespace)
	Name      string // UTF-8 (decoded from modified UTF-7 unless utf8 was given)
	ChildInfo []string
	OldName   string      // OLDNAME extended item (RFC 9051 §7.3.1)
	Extended  []FetchItem // other extended items, as sent

	// Status is the STATUS response the server sent for this mailbox
	// after its LIST response, with LIST ... RETURN (STATUS ...)
	// (RFC 5819 §2); ParseListing fills it.
	Status *StatusData
}

// ParseListing converts the LIST (or LSUB) responses among resps, in order,
// and attaches each STATUS response to the LIST entry of the same mailbox
// (RFC 5819: LIST-STATUS sends STATUS after the mailbox's LIST). Other
// responses are ignored.
func ParseListing(resps []*Response, utf8 bool) ([]*ListData, error) {
	var out []*ListData
	byName := map[string]*ListData{}
	for _, r := range resps {
		switch r.Name() {
		case "LIST", "LSUB":
			l, err := ParseList(r, utf8)
			if err != nil {
				return nil, err
			}
			out = append(out, l)
			byName[l.Name] = l
		case "STATUS":
			st, err := ParseStatus(r, utf8)
			if err != nil {
				return nil, err
			}
			if l := byName[st.Mailbox]; l != nil {
				l.Status = st
			}
		}
	}
	return out, nil
}

// HasAttr reports whether the mailbox has attribute a, ignoring case.
func (l *ListData) HasAttr(a MailboxAttr) bool {
	for _, x := range l.Attrs {
		if strings.EqualFold(string(x), string(a)) {
			return true
		}
	}
	return false
}

// SpecialUse returns the first special-use attribute (RFC 6154), or "".
func (l *ListData) SpecialUse() MailboxAttr {
	for _, x := range l.Attrs {
		for _, s := range specialUse {
			if strings.EqualFold(string(x), string(s)) {
				return s
			}
		}
	}
	return ""
}

// ParseList converts "* LIST (attrs) delim name [(extended)]" (or LSUB).
// utf8 says UTF8=ACCEPT or IMAP4rev2 is in effect.
func ParseList(resp *Response, utf8 bool) (*ListData, error) {
	args := resp.Args()
	if n := resp.Name(); (n != "LIST" && n != "LSUB") || len(args) < 3 {
		return nil, fmt.Errorf("imap: not a LIST response: %s", resp)
	}
	l := &ListData{}
	attrs, ok := AsList(args[0])
	if !ok {
		return nil, fmt.Errorf("imap: LIST attributes are not a list: %v", args[0])
	}
	for _, a := range attrs {
		s, _ := AsAtom(a)
		l.Attrs = append(l.Attrs, MailboxAttr(s))
	}
	var err error
	if l.Delim, err = parseDelim(args[1]); err != nil {
		return nil, err
	}
	if l.Name, err = mailboxName(args[2], utf8); err != nil {
		return nil, err
	}
	if len(args) > 3 {
		err = l.parseExtended(args[3], utf8)
	}
	return l, err
}

func parseDelim(v Value) (rune, error) {
	s, isNil, ok := AsNString(v)
	if isNil {
		return 0, nil
	}
	r, n := utf8.DecodeRuneInString(s)
	if !ok || n == 0 || n != len(s) {
		return 0, fmt.Errorf("imap: LIST delimiter %v is not one character", v)
	}
	return r, nil
}

// mailboxName decodes a mailbox name; INBOX is returned as "INBOX" in any
// case (RFC 9051 §5.1).
func mailboxName(v Value, utf8 bool) (string, error) {
	raw, ok := AsString(v)
	if !ok {
		return "", fmt.Errorf("imap: mailbox name %v is not a string", v)
	}
	if strings.EqualFold(raw, "INBOX") {
		return "INBOX", nil
	}
	if utf8 {
		return raw, nil
	}
	name, err := mutf7.Decode(raw)
	if err != nil {
		return "", fmt.Errorf("imap: mailbox name %q: %w", raw, err)
	}
	return name, nil
}

// parseExtended: mbox-list-extended = "(" [item *(SP item)] ")",
// item = tag SP tagged-ext-val (RFC 5258 §9, RFC 9051 §9).
func (l *ListData) parseExtended(v Value, utf8 bool) error {
	items, ok := AsList(v)
	if !ok || len(items)%2 != 0 {
		return fmt.Errorf("imap: LIST extended data is not tag-value pairs: %v", v)
	}
	for i := 0; i < len(items); i += 2 {
		tag, _ := AsString(items[i])
		tag = upper(tag)
		val := items[i+1]
		switch tag {
		case "CHILDINFO":
			l.ChildInfo, _ = stringList(val)
		case "OLDNAME":
			if ol, ok := val.(List); ok && len(ol) == 1 {
				l.OldName, _ = mailboxName(ol[0], utf8)
			}
		default:
			l.Extended = append(l.Extended, FetchItem{Name: tag, Value: val})
		}
	}
	return nil
}

func upper(s string) string { return strings.ToUpper(s) }
