package mailmsg

import (
	"sort"
	"strconv"
	"strings"
)

// ParseParams splits a structured value such as Content-Type or
// Content-Disposition (RFC 2045 §5.1, RFC 2183) into its first token,
// lower-cased ("text/plain", "attachment"), and its parameters, keys
// lower-cased. It implements RFC 2231: continuations ("name*0", "name*1"
// ...), and charset/language encoded values ("name*=utf-8'en'%E2%82%AC")
// in any charset Charset knows. Values in quotes are unquoted; RFC 2047
// words in a value (a common, non-standard habit of mailers for file
// names) are decoded. It is lenient: malformed parts are skipped, never an
// error.
func ParseParams(value string) (token string, params map[string]string) {
	token, rest, _ := strings.Cut(value, ";")
	token = strings.ToLower(strings.TrimSpace(stripComments(token)))
	params = map[string]string{}
	parts := map[string]map[int]paramPart{} // name -> section -> part
	for rest != "" {
		var name, val string
		var ok bool
		name, val, rest, ok = nextParam(rest)
		if !ok {
			continue
		}
		base, section, ext := splitParamName(name)
		if parts[base] == nil {
			parts[base] = map[int]paramPart{}
		}
		if _, dup := parts[base][section]; !dup { // the first wins
			parts[base][section] = paramPart{val, ext}
		}
	}
	for name, sections := range parts {
		params[name] = joinSections(sections)
	}
	return token, params
}

type paramPart struct {
	value    string
	extended bool // "name*=" or "name*N*=": charset'lang'%XX encoding
}

// nextParam reads "name=value" up to the next ';' outside quotes; ok is
// false for a malformed part, which is skipped. It only looks as far as
// the part it reads, so parsing a whole value stays linear.
func nextParam(s string) (name, value, rest string, ok bool) {
	s = strings.TrimLeft(s, " \t;")
	seg, after, _ := strings.Cut(s, ";")
	eq := strings.IndexByte(seg, '=')
	if eq < 0 {
		return "", "", after, false
	}
	name = strings.ToLower(strings.TrimSpace(s[:eq]))
	v := strings.TrimLeft(s[eq+1:], " \t")
	if strings.HasPrefix(v, `"`) {
		value, rest = unquote(v)
	} else {
		value, rest, _ = strings.Cut(v, ";")
		value = strings.TrimSpace(value)
	}
	return name, value, rest, name != ""
}

// unquote reads a quoted-string (RFC 5322 §3.2.4) from the start of s and
// returns its content and what follows it (after the next ';').
func unquote(s string) (value, rest string) {
	var b strings.Builder
	i := 1
	for ; i < len(s) && s[i] != '"'; i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	rest = s[min(i+1, len(s)):]
	if j := strings.IndexByte(rest, ';'); j >= 0 {
		rest = rest[j+1:]
	} else {
		rest = ""
	}
	return b.String(), rest
}

// splitParamName splits "title*1*" into ("title", 1, true); a plain name
// is section 0, not extended.
func splitParamName(name string) (base string, section int, extended bool) {
	if strings.HasSuffix(name, "*") {
		extended = true
		name = name[:len(name)-1]
	}
	base = name
	if i := strings.LastIndexByte(name, '*'); i >= 0 {
		if n, err := strconv.Atoi(name[i+1:]); err == nil && n >= 0 {
			return name[:i], n, extended
		}
	}
	return base, 0, extended
}

// joinSections concatenates continuation sections in order and decodes
// extended ones with the charset named in the first (RFC 2231 §4.1).
func joinSections(sections map[int]paramPart) string {
	keys := make([]int, 0, len(sections))
	for k := range sections {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	charset := ""
	var raw []byte // bytes in charset, from extended parts
	var out strings.Builder
	flush := func() {
		if len(raw) == 0 {
			return
		}
		if txt, ok := decodeCharset(charset, raw); ok {
			out.WriteString(txt)
		} else {
			out.WriteString(raw8bit(string(raw)))
		}
		raw = raw[:0]
	}
	for i, k := range keys {
		p := sections[k]
		if !p.extended {
			flush()
			out.WriteString(DecodeText(p.value))
			continue
		}
		v := p.value
		if i == 0 {
			if cs, restv, ok := strings.Cut(v, "'"); ok {
				if _, after, ok2 := strings.Cut(restv, "'"); ok2 {
					charset, v = cs, after
				}
			}
		}
		raw = append(raw, percentDecode(v)...)
	}
	flush()
	return out.String()
}

// percentDecode decodes %XX escapes; a malformed '%' is kept.
func percentDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		out = append(out, s[i])
	}
	return out
}

// stripComments removes RFC 5322 §3.2.2 comments (nested, with quoted
// pairs) outside quoted strings.
func stripComments(s string) string {
	if !strings.ContainsRune(s, '(') {
		return s
	}
	var b strings.Builder
	depth, inQuote := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && (depth > 0 || inQuote) && i+1 < len(s):
			if depth == 0 {
				b.WriteString(s[i : i+2])
			}
			i++
		case c == '"' && depth == 0:
			inQuote = !inQuote
			b.WriteByte(c)
		case c == '(' && !inQuote:
			depth++
		case c == ')' && depth > 0:
			depth--
			if depth == 0 {
				b.WriteByte(' ')
			}
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// ContentType returns the media type (lower-case, "text/plain" when the
// field is absent, RFC 2045 §5.2) and parameters of the Content-Type field.
func (h *Header) ContentType() (mediaType string, params map[string]string) {
	v := h.Value("Content-Type")
	if strings.TrimSpace(v) == "" {
		return "text/plain", map[string]string{"charset": "us-ascii"}
	}
	return ParseParams(v)
}
