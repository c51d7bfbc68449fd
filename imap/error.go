package imap

import (
	"errors"
	"strings"
)

// ResponseCode is the name of a response code (RFC 9051 §7.1), upper-cased.
type ResponseCode string

// Error is a server's refusal: a tagged NO or BAD, or a BYE (RFC 9051 §7.1),
// with its response code (e.g. TRYCREATE, AUTHENTICATIONFAILED) and text.
type Error struct {
	Status   Status // StatusNO, StatusBAD or StatusBYE
	Code     ResponseCode
	CodeArgs []Value
	Text     string
}

// Error formats the refusal as "imap: NO [CODE args] text".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("imap: ")
	b.WriteString(string(e.Status))
	writeRespText(&b, e.Code, e.CodeArgs, e.Text)
	return b.String()
}

// HasCode reports whether err is or wraps an *Error with the given response
// code.
func HasCode(err error, code ResponseCode) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}
