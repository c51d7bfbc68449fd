package imap

import (
	"fmt"
	"strings"
	"time"
)

// dateTimeLayout is date-time (RFC 9051 §9): "dd-Mon-yyyy hh:mm:ss +zzzz",
// the day space-padded to two characters.
const dateTimeLayout = "_2-Jan-2006 15:04:05 -0700"

// FormatDateTime returns t as an IMAP date-time for APPEND and INTERNALDATE
// (RFC 9051 §9 date-time), e.g. " 7-Jul-1996 02:44:25 -0700"; send it as
// Str so that it is quoted.
func FormatDateTime(t time.Time) string { return t.Format(dateTimeLayout) }

// ParseDateTime parses an IMAP date-time. Quirk: a zero-padded or unpadded
// day ("07-", "7-") is accepted as well as the space-padded one.
func ParseDateTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{dateTimeLayout, "2-Jan-2006 15:04:05 -0700", "02-Jan-2006 15:04:05 -0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("imap: %q is not a date-time", s)
}

func parseDateTimeValue(v Value) (time.Time, error) {
	s, ok := AsString(v)
	if !ok {
		return time.Time{}, fmt.Errorf("date-time is not a string: %v", v)
	}
	return ParseDateTime(s)
}
