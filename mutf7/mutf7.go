// Package mutf7 implements the modified UTF-7 encoding of IMAP mailbox names
// (RFC 3501 §5.1.3, kept by RFC 9051 §5.1.3 for IMAP4rev1 compatibility).
//
// Printable US-ASCII other than "&" stands for itself; "&" is written "&-";
// any other run of characters is written as "&", the modified base64 (","
// instead of "/", no padding) of its UTF-16BE form, and "-".
package mutf7

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,"

// ErrMalformed is wrapped by every error Decode returns.
var ErrMalformed = errors.New("malformed modified UTF-7")

func printable(c byte) bool { return c >= 0x20 && c <= 0x7e }

// Encode returns s in modified UTF-7. Invalid UTF-8 in s is encoded as
// U+FFFD, since mailbox names must be valid Unicode.
func Encode(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/2)
	for i := 0; i < len(s); {
		c := s[i]
		if printable(c) {
			b.WriteByte(c)
			if c == '&' {
				b.WriteByte('-')
			}
			i++
			continue
		}
		j := i
		for j < len(s) && !printable(s[j]) {
			_, n := utf8.DecodeRuneInString(s[j:])
			j += n
		}
		encodeRun(&b, s[i:j])
		i = j
	}
	return b.String()
}

// encodeRun writes "&" base64(UTF-16BE(run)) "-".
func encodeRun(b *strings.Builder, run string) {
	var units []uint16
	for _, r := range run {
		units = utf16.AppendRune(units, r)
	}
	b.WriteByte('&')
	var acc uint32
	bits := 0
	for _, u := range units {
		acc = acc<<16 | uint32(u)
		bits += 16
		for bits >= 6 {
			bits -= 6
			b.WriteByte(b64[(acc>>bits)&0x3f])
		}
	}
	if bits > 0 {
		b.WriteByte(b64[(acc<<(6-bits))&0x3f])
	}
	b.WriteByte('-')
}

// Decode returns the UTF-8 form of the modified UTF-7 string s. It rejects,
// with an error wrapping ErrMalformed and naming the byte offset: bytes
// outside printable US-ASCII, a shift without its closing "-", characters
// outside the modified base64 alphabet, an empty shift other than "&-",
// base64 that does not end on a whole UTF-16 unit or leaves non-zero bits,
// unpaired surrogates, and encoded printable US-ASCII (which must be
// written directly).
func Decode(s string) (string, error) {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !printable(c) {
			return "", fmt.Errorf("%w: byte 0x%02x at offset %d is not printable US-ASCII", ErrMalformed, c, i)
		}
		if c != '&' {
			b.WriteByte(c)
			continue
		}
		end := strings.IndexByte(s[i+1:], '-')
		if end < 0 {
			return "", fmt.Errorf("%w: shift at offset %d is not terminated by '-'", ErrMalformed, i)
		}
		if end == 0 {
			b.WriteByte('&')
			i++
			continue
		}
		if err := decodeRun(&b, s[i+1:i+1+end], i+1); err != nil {
			return "", err
		}
		i += end + 1
	}
	return b.String(), nil
}

func b64val(c byte) int {
	switch {
	case c >= 'A' && c <= 'Z':
		return int(c - 'A')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 26
	case c >= '0' && c <= '9':
		return int(c-'0') + 52
	case c == '+':
		return 62
	case c == ',':
		return 63
	}
	return -1
}

// decodeRun decodes the base64 between "&" and "-" (off is its offset in the
// whole name, for messages).
func decodeRun(b *strings.Builder, run string, off int) error {
	units, err := base64Units(run, off)
	if err != nil {
		return err
	}
	for k := 0; k < len(units); k++ {
		u := rune(units[k])
		if utf16.IsSurrogate(u) {
			if u >= 0xdc00 || k+1 >= len(units) {
				return fmt.Errorf("%w: unpaired surrogate in shift at offset %d", ErrMalformed, off-1)
			}
			u = utf16.DecodeRune(u, rune(units[k+1]))
			if u == utf8.RuneError {
				return fmt.Errorf("%w: unpaired surrogate in shift at offset %d", ErrMalformed, off-1)
			}
			k++
		}
		if u < 0x80 && printable(byte(u)) {
			return fmt.Errorf("%w: printable US-ASCII %q encoded in shift at offset %d", ErrMalformed, rune(u), off-1)
		}
		b.WriteRune(u)
	}
	return nil
}

func base64Units(run string, off int) ([]uint16, error) {
	units := make([]uint16, 0, len(run)*6/16)
	var acc uint32
	bits := 0
	for j := 0; j < len(run); j++ {
		v := b64val(run[j])
		if v < 0 {
			return nil, fmt.Errorf("%w: %q at offset %d is not modified base64", ErrMalformed, run[j], off+j)
		}
		acc = acc<<6 | uint32(v)
		bits += 6
		if bits >= 16 {
			bits -= 16
			units = append(units, uint16(acc>>bits))
			acc &= 1<<bits - 1
		}
	}
	if bits >= 6 || acc != 0 {
		return nil, fmt.Errorf("%w: shift at offset %d does not end on a whole UTF-16 unit", ErrMalformed, off-1)
	}
	return units, nil
}
