package imap

import (
	"fmt"
	"strings"
)

// Envelope is the ENVELOPE FETCH item (RFC 9051 §7.5.2): header fields as
// the server parsed them. Subject and the addresses' Name are decoded
// (RFC 2047 encoded words, in any charset mailmsg knows; bytes that are
// not UTF-8 read as windows-1252); RawSubject and RawName keep them as
// sent. Other strings are as sent; NIL becomes "".
type Envelope struct {
	Date       string
	Subject    string // decoded
	RawSubject string // as sent, e.g. "=?UTF-8?Q?Gr=C3=BC=C3=9Fe?="
	From       []Address
	Sender     []Address
	ReplyTo    []Address
	To         []Address
	Cc         []Address
	Bcc        []Address
	InReplyTo  string
	MessageID  string
}

// Address is one address of an envelope (RFC 9051 §9 address). Group
// syntax (RFC 5322) appears as an Address with Host "" and Mailbox the group
// name starting a group, and one with Mailbox "" and Host "" ending it.
type Address struct {
	Name    string // display name, decoded
	RawName string // display name as sent
	ADL     string // source route, obsolete
	Mailbox string
	Host    string
}

// Addr returns "mailbox@host", or "" for a group marker.
func (a Address) Addr() string {
	if a.Host == "" {
		return ""
	}
	return a.Mailbox + "@" + a.Host
}

// IsGroupStart reports whether a starts a group (its Mailbox is the group name).
func (a Address) IsGroupStart() bool { return a.Host == "" && a.Mailbox != "" }

// IsGroupEnd reports whether a ends a group.
func (a Address) IsGroupEnd() bool { return a.Host == "" && a.Mailbox == "" }

// ParseEnvelope converts an ENVELOPE value (RFC 9051 §9 envelope).
func ParseEnvelope(v Value) (*Envelope, error) {
	l, ok := v.(List)
	if !ok || len(l) < 10 {
		return nil, fmt.Errorf("imap: ENVELOPE is not a list of 10 fields: %v", v)
	}
	e := &Envelope{}
	strs := []*string{&e.Date, &e.Subject}
	for i, p := range strs {
		s, _, ok := AsNString(l[i])
		if !ok {
			return nil, fmt.Errorf("imap: ENVELOPE field %d is not a string: %v", i+1, l[i])
		}
		*p = s
	}
	addrs := []*[]Address{&e.From, &e.Sender, &e.ReplyTo, &e.To, &e.Cc, &e.Bcc}
	for i, p := range addrs {
		a, err := parseAddresses(l[2+i])
		if err != nil {
			return nil, fmt.Errorf("imap: ENVELOPE field %d: %w", i+3, err)
		}
		*p = a
	}
	var ok1, ok2 bool
	e.InReplyTo, _, ok1 = AsNString(l[8])
	e.MessageID, _, ok2 = AsNString(l[9])
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("imap: ENVELOPE in-reply-to or message-id is not a string")
	}
	e.decodeText()
	return e, nil
}

func parseAddresses(v Value) ([]Address, error) {
	l, ok := AsList(v)
	if !ok {
		return nil, fmt.Errorf("address list is not a list: %v", v)
	}
	if len(l) == 0 {
		return nil, nil
	}
	out := make([]Address, 0, len(l))
	for _, x := range l {
		a, ok := x.(List)
		if !ok || len(a) != 4 {
			return nil, fmt.Errorf("address is not a list of 4: %v", x)
		}
		var f [4]string
		for i := range f {
			s, _, ok := AsNString(a[i])
			if !ok {
				return nil, fmt.Errorf("address field %d is not a string: %v", i+1, a[i])
			}
			f[i] = s
		}
		out = append(out, Address{Name: f[0], ADL: f[1], Mailbox: f[2], Host: f[3]})
	}
	return out, nil
}

// String formats the address as `Name <mailbox@host>`, for logs.
func (a Address) String() string {
	if a.Name == "" {
		return a.Addr()
	}
	var b strings.Builder
	b.WriteString(a.Name)
	b.WriteString(" <")
	b.WriteString(a.Addr())
	b.WriteString(">")
	return b.String()
}
