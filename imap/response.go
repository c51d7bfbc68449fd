package imap

import (
	"strings"
)

// Status is the condition of a status response (RFC 9051 §7.1).
type Status string

// Status conditions. The empty Status marks a data response.
const (
	StatusOK      Status = "OK"
	StatusNO      Status = "NO"
	StatusBAD     Status = "BAD"
	StatusBYE     Status = "BYE"
	StatusPreAuth Status = "PREAUTH"
)

// Response is one server response in generic form (RFC 9051 §2.2.2, §7):
//
//   - Tag is "*" for untagged responses, "+" for a continuation request,
//     else the tag of the command it completes.
//   - Status is set for status responses (OK/NO/BAD/BYE/PREAUTH), with the
//     optional response code in Code and CodeArgs and the human text in Text.
//   - Fields holds the data of other untagged responses, e.g. for
//     "* 12 FETCH (UID 40)" [Number(12), Atom("FETCH"), List{...}] and for
//     "* CAPABILITY IMAP4rev1 IDLE" [Atom("CAPABILITY"), Atom(...), ...].
//   - For a continuation request Text holds the rest of the line (base64
//     data during AUTHENTICATE).
type Response struct {
	Tag      string
	Status   Status
	Code     ResponseCode
	CodeArgs []Value
	Text     string
	Fields   []Value
}

// IsContinuation reports whether r is a continuation request ("+").
func (r *Response) IsContinuation() bool { return r.Tag == "+" }

// IsUntagged reports whether r is untagged ("*").
func (r *Response) IsUntagged() bool { return r.Tag == "*" }

// Name returns the upper-cased name of the response: the status for status
// responses ("OK", "BYE"), else the data name ("FETCH", "EXISTS",
// "CAPABILITY", "LIST", ...), "" for a continuation or empty response.
func (r *Response) Name() string {
	if r.Status != "" {
		return string(r.Status)
	}
	i := 0
	if len(r.Fields) > 1 {
		if _, ok := r.Fields[0].(Number); ok {
			i = 1
		}
	}
	if i < len(r.Fields) {
		if a, ok := r.Fields[i].(Atom); ok {
			return strings.ToUpper(string(a))
		}
	}
	return ""
}

// Num returns the leading number of a message data response such as
// "* 12 FETCH" or "* 3 EXISTS".
func (r *Response) Num() (uint32, bool) {
	if len(r.Fields) < 2 {
		return 0, false
	}
	n, ok := r.Fields[0].(Number)
	if !ok || n > 0xffffffff {
		return 0, false
	}
	return uint32(n), true
}

// Args returns the fields after the name (and after the leading number).
func (r *Response) Args() []Value {
	if r.Status != "" || len(r.Fields) == 0 {
		return nil
	}
	if _, ok := r.Num(); ok {
		return r.Fields[2:]
	}
	return r.Fields[1:]
}

// Err returns nil for anything but a NO, BAD or BYE status response, for
// which it returns an *Error carrying the code and text.
func (r *Response) Err() error {
	switch r.Status {
	case StatusNO, StatusBAD, StatusBYE:
		return &Error{Status: r.Status, Code: r.Code, CodeArgs: r.CodeArgs, Text: r.Text}
	}
	return nil
}

// String returns the response in readable wire-like form, without CRLF,
// e.g. `* 12 FETCH (UID 40 FLAGS (\Seen))` or `a1 NO [TRYCREATE] no such mailbox`.
func (r *Response) String() string {
	var b strings.Builder
	b.WriteString(r.Tag)
	if r.IsContinuation() {
		if r.Text != "" {
			b.WriteByte(' ')
			b.WriteString(r.Text)
		}
		return b.String()
	}
	if r.Status != "" {
		b.WriteByte(' ')
		b.WriteString(string(r.Status))
		writeRespText(&b, r.Code, r.CodeArgs, r.Text)
		return b.String()
	}
	for _, v := range r.Fields {
		b.WriteByte(' ')
		b.WriteString(valueString(v))
	}
	return b.String()
}

func writeRespText(b *strings.Builder, code ResponseCode, args []Value, text string) {
	if code != "" {
		b.WriteString(" [")
		b.WriteString(string(code))
		for _, a := range args {
			b.WriteByte(' ')
			b.WriteString(valueString(a))
		}
		b.WriteByte(']')
	}
	if text != "" {
		b.WriteByte(' ')
		b.WriteString(text)
	}
}
