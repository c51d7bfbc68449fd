package mailmsg

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
)

// Charset returns the decoder for a MIME charset name (RFC 2046 §4.1.2),
// looked up in the WHATWG index first (which maps the labels mail really
// uses, e.g. "latin1" to windows-1252) and then the IANA registry; an
// RFC 2231 language suffix ("utf-8*en") is ignored. ok is false for an
// unknown charset.
func Charset(name string) (enc encoding.Encoding, ok bool) {
	name, _, _ = strings.Cut(strings.TrimSpace(name), "*")
	if e, err := htmlindex.Get(name); err == nil {
		return e, true
	}
	if e, err := ianaindex.MIME.Encoding(name); err == nil && e != nil {
		return e, true
	}
	return nil, false
}

// decodeCharset converts b from charset to UTF-8; ok is false for an
// unknown charset or undecodable bytes.
func decodeCharset(charset string, b []byte) (string, bool) {
	cs, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(charset)), "*")
	if cs == "utf-8" || cs == "us-ascii" || cs == "utf8" {
		return strings.ToValidUTF8(string(b), "\uFFFD"), true
	}
	enc, ok := Charset(cs)
	if !ok {
		return "", false
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return "", false
	}
	return string(out), true
}

// raw8bit turns header text that is not valid UTF-8 (undeclared 8-bit
// bytes, usually Latin-1) into UTF-8 by reading it as windows-1252.
func raw8bit(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	out, err := charmap.Windows1252.NewDecoder().String(s)
	if err != nil {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return out
}

// encodedWord is one parsed "=?charset?enc?text?=" (RFC 2047 §2).
type encodedWord struct {
	charset string
	data    []byte // decoded from Q or B, still in charset
}

// maxWordLen bounds how far parseWord looks for the end of an encoded
// word. RFC 2047 §2 allows 75 characters; mailers exceed that, but a limit
// keeps decoding linear on garbage.
const maxWordLen = 512

// parseWord parses an encoded word at the start of s and returns it and
// its length; ok is false if s does not start with a valid one.
func parseWord(s string) (w encodedWord, n int, ok bool) {
	if !strings.HasPrefix(s, "=?") {
		return w, 0, false
	}
	if len(s) > maxWordLen {
		s = s[:maxWordLen]
	}
	if i := strings.IndexAny(s, " \t\r\n"); i >= 0 {
		s = s[:i] // an encoded word holds no white space
	}
	parts := strings.SplitN(s[2:], "?", 4)
	if len(parts) < 4 || len(parts[1]) != 1 || !strings.HasPrefix(parts[3], "=") || parts[0] == "" {
		return w, 0, false
	}
	charset, enc, text := parts[0], parts[1][0], parts[2]
	var data []byte
	switch enc {
	case 'B', 'b':
		data, ok = decodeB(text)
	case 'Q', 'q':
		data, ok = decodeQ(text)
	}
	if !ok {
		return w, 0, false
	}
	return encodedWord{charset, data}, 2 + len(charset) + 3 + len(text) + 2, true
}

// decodeB decodes RFC 2047 §4.1 "B" text, tolerating missing padding.
func decodeB(s string) ([]byte, bool) {
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, true
	}
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
	return b, err == nil
}

// decodeQ decodes RFC 2047 §4.2 "Q" text: "_" is space, "=XX" a byte. A
// malformed "=" escape is kept as it is.
func decodeQ(s string) ([]byte, bool) {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '_':
			out = append(out, ' ')
		case c == '=' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out, true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// DecodeText decodes RFC 2047 encoded words in unstructured header text
// (an unfolded value) and returns UTF-8. White space between two adjacent
// encoded words is dropped (§6.2); adjacent words in one charset are
// joined before decoding, so a character split across words (common
// with ISO-2022-JP and UTF-8) survives. A word in an unknown charset, or
// malformed, is left as written. Bytes outside encoded words that are not
// valid UTF-8 are read as windows-1252.
func DecodeText(s string) string {
	if !strings.Contains(s, "=?") {
		return raw8bit(s)
	}
	d := textDecoder{s: s, from: -1}
	for i := 0; i < len(s); {
		if w, n, ok := parseWord(s[i:]); ok {
			d.addWord(w, i, i+n)
			i += n
			continue
		}
		j := nextWordStart(s, i)
		gap := s[i:j]
		if d.from >= 0 && strings.Trim(gap, " \t") == "" && j < len(s) {
			if _, _, ok := parseWord(s[j:]); ok {
				i = j // white space between encoded words: dropped
				continue
			}
		}
		d.flush()
		d.out.WriteString(raw8bit(gap))
		i = j
	}
	d.flush()
	return d.out.String()
}

// textDecoder accumulates a run of adjacent encoded words in one charset.
type textDecoder struct {
	s        string
	out      strings.Builder
	pend     encodedWord // the run's charset and bytes
	from, to int         // the run's text s[from:to]; from < 0: no run
}

// addWord adds the word at s[from:to], ending the run if the charset
// changes.
func (d *textDecoder) addWord(w encodedWord, from, to int) {
	if d.from >= 0 && !strings.EqualFold(w.charset, d.pend.charset) {
		d.flush()
	}
	if d.from < 0 {
		d.from = from
	}
	d.pend.charset = w.charset
	d.pend.data = append(d.pend.data, w.data...)
	d.to = to
}

// flush decodes the run into out; an unknown charset leaves its text as
// written.
func (d *textDecoder) flush() {
	if d.from < 0 {
		return
	}
	if txt, ok := decodeCharset(d.pend.charset, d.pend.data); ok {
		d.out.WriteString(txt)
	} else {
		d.out.WriteString(raw8bit(d.s[d.from:d.to]))
	}
	d.pend, d.from, d.to = encodedWord{}, -1, -1
}

// nextWordStart returns the index after i where an encoded word could
// start ("=?"), or len(s); always > i.
func nextWordStart(s string, i int) int {
	j := strings.Index(s[i+1:], "=?")
	if j < 0 {
		return len(s)
	}
	return i + 1 + j
}

// maxWordBytes is how many UTF-8 bytes go in one B-encoded word: 45 bytes
// are 60 base64 characters, and "=?UTF-8?B?" + 60 + "?=" is 72, within
// the 75 RFC 2047 §2 allows.
const maxWordBytes = 45

// EncodeText returns s as RFC 2047 "B" encoded words in UTF-8, split at
// character boundaries so each word is at most 75 characters, separated
// by single spaces (which decoders drop between words, §6.2). The result
// contains no ',', so it can stand in a comma-separated list.
func EncodeText(s string) string {
	var words []string
	for len(s) > 0 {
		n := min(len(s), maxWordBytes)
		for n < len(s) && n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		if n == 0 {
			n = min(len(s), maxWordBytes)
		}
		words = append(words, "=?UTF-8?B?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
		s = s[n:]
	}
	return strings.Join(words, " ")
}
