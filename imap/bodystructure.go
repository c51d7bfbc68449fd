package imap

import (
	"fmt"
	"strings"
)

// BodyStructure is the MIME structure of a message, from the BODYSTRUCTURE
// or BODY FETCH items (RFC 9051 §7.5.2, grammar "body" in §9). Params and
// DispositionParams are decoded (RFC 2231 continuations and charsets,
// RFC 2047 words; see Filename), RawParams and RawDispositionParams keep
// the pairs as sent; other strings are as sent. NIL becomes "" or a nil
// map.
type BodyStructure struct {
	Type, Subtype string            // e.g. "TEXT", "PLAIN"; compare case-insensitively
	Params        map[string]string // body-fld-param decoded, keyed by lower-cased base name ("name", "charset")
	RawParams     map[string]string // body-fld-param as sent, keys lower-cased ("name*0*")
	ID            string
	Description   string
	Encoding      string // Content-Transfer-Encoding
	Size          uint32 // body-fld-octets, of the encoded part
	Lines         uint32 // TEXT and MESSAGE/RFC822 parts only

	Envelope *Envelope      // MESSAGE/RFC822 (and MESSAGE/GLOBAL) parts
	Message  *BodyStructure // the structure of the encapsulated message

	Parts []*BodyStructure // MULTIPART parts, in order

	// Extension data (BODYSTRUCTURE only); Extended says whether any came.
	Extended             bool
	MD5                  string            // single-part only
	Disposition          string            // e.g. "attachment"
	DispositionParams    map[string]string // decoded, like Params
	RawDispositionParams map[string]string // as sent
	Language             []string
	Location             string
	Extensions           []Value // further body-extension values, kept as sent
}

// IsMultipart reports whether the part is a multipart.
func (b *BodyStructure) IsMultipart() bool { return strings.EqualFold(b.Type, "MULTIPART") }

// MediaType returns "type/subtype" in lower case.
func (b *BodyStructure) MediaType() string {
	return strings.ToLower(b.Type + "/" + b.Subtype)
}

// Walk calls f for b and every part below it, depth first, with the part's
// section path (RFC 9051 §6.4.5: the top level of a single-part message is
// part 1; the empty path is the message itself). It stops when f returns
// false. The parts of an encapsulated MESSAGE/RFC822 are numbered below
// its own path (2.1, 2.2, ...); a single-part encapsulated body is path.1.
func (b *BodyStructure) Walk(f func(path []int, part *BodyStructure) bool) {
	b.walk(nil, f)
}

func (b *BodyStructure) walk(path []int, f func([]int, *BodyStructure) bool) bool {
	if !f(path, b) {
		return false
	}
	for i, p := range b.Parts {
		if !p.walk(append(path[:len(path):len(path)], i+1), f) {
			return false
		}
	}
	if b.Message == nil {
		return true
	}
	if !b.Message.IsMultipart() {
		return b.Message.walk(append(path[:len(path):len(path)], 1), f)
	}
	for i, p := range b.Message.Parts {
		if !p.walk(append(path[:len(path):len(path)], i+1), f) {
			return false
		}
	}
	return true
}

// ParseBodyStructure converts a BODY or BODYSTRUCTURE value.
func ParseBodyStructure(v Value) (*BodyStructure, error) {
	l, ok := v.(List)
	if !ok || len(l) == 0 {
		return nil, fmt.Errorf("imap: body structure is not a non-empty list: %v", v)
	}
	parse := parseSinglePart
	if _, multi := l[0].(List); multi {
		parse = parseMultipart
	}
	b, err := parse(l)
	if err != nil {
		return nil, err
	}
	b.decodeText()
	return b, nil
}

// parseMultipart: body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart].
func parseMultipart(l List) (*BodyStructure, error) {
	b := &BodyStructure{Type: "MULTIPART"}
	i := 0
	for ; i < len(l); i++ {
		sub, ok := l[i].(List)
		if !ok {
			break
		}
		p, err := ParseBodyStructure(sub)
		if err != nil {
			return nil, fmt.Errorf("part %d: %w", i+1, err)
		}
		b.Parts = append(b.Parts, p)
	}
	if i >= len(l) {
		return nil, fmt.Errorf("imap: multipart body structure lacks its subtype")
	}
	st, ok := AsString(l[i])
	if !ok {
		return nil, fmt.Errorf("imap: multipart subtype is not a string: %v", l[i])
	}
	b.Subtype = st
	ext := l[i+1:]
	if len(ext) == 0 {
		return b, nil
	}
	b.Extended = true
	b.Params, _ = parseParams(ext[0]) // extension data: malformed is dropped
	b.parseExtTail(ext[1:])
	return b, nil
}

// parseSinglePart: body-type-1part (RFC 9051 §9).
func parseSinglePart(l List) (*BodyStructure, error) {
	if len(l) < 7 {
		return nil, fmt.Errorf("imap: single-part body structure has %d fields, want at least 7", len(l))
	}
	b := &BodyStructure{}
	if err := b.parseFields(l); err != nil {
		return nil, err
	}
	rest := l[7:]
	var err error
	switch {
	case b.isMessage() && len(rest) >= 3:
		rest, err = b.parseMessage(rest)
	case strings.EqualFold(b.Type, "TEXT") && len(rest) >= 1:
		b.Lines, err = uint32Arg("body-fld-lines", rest[0])
		rest = rest[1:]
	}
	if err != nil {
		return nil, err
	}
	if len(rest) == 0 {
		return b, nil
	}
	b.Extended = true
	b.MD5, _, _ = AsNString(rest[0])
	b.parseExtTail(rest[1:])
	return b, nil
}

func (b *BodyStructure) isMessage() bool {
	return strings.EqualFold(b.Type, "MESSAGE") &&
		(strings.EqualFold(b.Subtype, "RFC822") || strings.EqualFold(b.Subtype, "GLOBAL"))
}

// parseFields: media type SP body-fields.
func (b *BodyStructure) parseFields(l List) error {
	var ok1, ok2 bool
	b.Type, ok1 = AsString(l[0])
	b.Subtype, ok2 = AsString(l[1])
	if !ok1 || !ok2 {
		return fmt.Errorf("imap: body media type is not two strings: %v %v", l[0], l[1])
	}
	var err error
	if b.Params, err = parseParams(l[2]); err != nil {
		return err
	}
	b.ID, _, _ = AsNString(l[3])
	b.Description, _, _ = AsNString(l[4])
	b.Encoding, _, _ = AsNString(l[5])
	b.Size, err = uint32Arg("body-fld-octets", l[6])
	return err
}

// parseMessage: envelope SP body SP body-fld-lines.
func (b *BodyStructure) parseMessage(rest List) (List, error) {
	env, err := ParseEnvelope(rest[0])
	if err != nil {
		return nil, err
	}
	b.Envelope = env
	if b.Message, err = ParseBodyStructure(rest[1]); err != nil {
		return nil, fmt.Errorf("encapsulated message: %w", err)
	}
	if b.Lines, err = uint32Arg("body-fld-lines", rest[2]); err != nil {
		return nil, err
	}
	return rest[3:], nil
}

// parseExtTail (never fails: extension data is best effort):
// [body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]].
func (b *BodyStructure) parseExtTail(ext List) {
	if len(ext) == 0 {
		return
	}
	b.parseDisposition(ext[0])
	if len(ext) > 1 {
		b.Language = parseLanguage(ext[1])
	}
	if len(ext) > 2 {
		b.Location, _, _ = AsNString(ext[2])
	}
	if len(ext) > 3 {
		b.Extensions = ext[3:]
	}
}

// parseDisposition: body-fld-dsp = "(" string SP body-fld-param ")" / nil.
// Quirk: a bare string (the disposition without parameters) is accepted,
// and malformed parameters are dropped, since extension data must not spoil
// the structure.
func (b *BodyStructure) parseDisposition(v Value) {
	if s, _, ok := AsNString(v); ok {
		b.Disposition = s
		return
	}
	l, ok := v.(List)
	if !ok || len(l) == 0 {
		return
	}
	b.Disposition, _ = AsString(l[0])
	if len(l) > 1 {
		b.DispositionParams, _ = parseParams(l[1])
	}
}

func parseLanguage(v Value) []string {
	if s, isNil, ok := AsNString(v); ok {
		if isNil {
			return nil
		}
		return []string{s}
	}
	l, _ := v.(List)
	out := make([]string, 0, len(l))
	for _, x := range l {
		if s, ok := AsString(x); ok {
			out = append(out, s)
		}
	}
	return out
}

// parseParams: body-fld-param = "(" string SP string *(SP string SP string) ")" / nil.
func parseParams(v Value) (map[string]string, error) {
	l, ok := AsList(v)
	if !ok || len(l)%2 != 0 {
		return nil, fmt.Errorf("imap: body-fld-param is not a list of pairs: %v", v)
	}
	if len(l) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(l)/2)
	for i := 0; i < len(l); i += 2 {
		k, ok1 := AsString(l[i])
		val, _, ok2 := AsNString(l[i+1])
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("imap: body-fld-param pair is not two strings: %v %v", l[i], l[i+1])
		}
		m[strings.ToLower(k)] = val
	}
	return m, nil
}
