package mailmsg

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// KeywordsField is the header field that carries labels/keywords in a
// Maildir message (OfflineIMAP's Gmail labels, notmuch and mu read it):
// labels separated by commas.
const KeywordsField = "X-Keywords"

// TUIDField is the field mbsync adds to every file it writes (its
// transaction id, to find the file again after an interrupted run); the
// server's copy of the message has none.
const TUIDField = "X-TUID"

// ParseKeywords splits an X-Keywords value into labels: separated by
// commas, white space around each trimmed, empty ones skipped, RFC 2047
// words decoded (so a label may contain a comma or any character).
func ParseKeywords(value string) []string {
	var out []string
	for _, item := range strings.Split(value, ",") {
		item = strings.Trim(item, " \t")
		if item == "" {
			continue
		}
		out = append(out, DecodeText(item))
	}
	return out
}

// FormatKeywords joins labels into an X-Keywords value, ", " between
// them, skipping empty labels and repeats. A label that is not plain
// ASCII text without commas (non-ASCII, a ',', control characters, white
// space at either end, or something that looks like an encoded word) is
// written as RFC 2047 words (EncodeText), so ParseKeywords gives it back.
// Labels must be UTF-8; invalid bytes become U+FFFD (SetKeywords rejects
// them instead).
func FormatKeywords(labels []string) string {
	seen := map[string]bool{}
	var parts []string
	for _, l := range labels {
		if l == "" || seen[l] {
			continue
		}
		seen[l] = true
		l = strings.ToValidUTF8(l, "\uFFFD")
		if needsEncoding(l) {
			l = EncodeText(l)
		}
		parts = append(parts, l)
	}
	return strings.Join(parts, ", ")
}

func needsEncoding(s string) bool {
	if strings.Trim(s, " \t") != s || strings.Contains(s, "=?") || !utf8.ValidString(s) {
		return true
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c >= 0x7f || c == ',' {
			return true
		}
	}
	return false
}

// Keywords returns the labels of all X-Keywords fields, in order, without
// repeats.
func (h *Header) Keywords() []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range h.All(KeywordsField) {
		for _, l := range ParseKeywords(f.Value()) {
			if !seen[l] {
				seen[l] = true
				out = append(out, l)
			}
		}
	}
	return out
}

// SetKeywords replaces the X-Keywords field with labels (see Set and
// FormatKeywords); with no labels it removes the field. A label that is
// not valid UTF-8 is an error, and the header is left unchanged.
func (h *Header) SetKeywords(labels []string) error {
	for _, l := range labels {
		if !utf8.ValidString(l) {
			return fmt.Errorf("mailmsg: label %q is not UTF-8", l)
		}
	}
	v := FormatKeywords(labels)
	if v == "" {
		h.Remove(KeywordsField)
		return nil
	}
	return h.Set(KeywordsField, v)
}
