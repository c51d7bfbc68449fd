package imap

import (
	"fmt"
	"strings"
)

// ParseCapability returns the capabilities of a "* CAPABILITY ..." response
// or of a status response with a CAPABILITY code (RFC 9051 §7.2.2, §7.1).
func ParseCapability(resp *Response) (CapSet, error) {
	var args []Value
	switch {
	case resp.Status != "" && resp.Code == CodeCapability:
		args = resp.CodeArgs
	case resp.Status == "" && resp.Name() == "CAPABILITY":
		args = resp.Args()
	default:
		return CapSet{}, fmt.Errorf("imap: no capabilities in %s", resp)
	}
	return capsOf(args)
}

func capsOf(args []Value) (CapSet, error) {
	caps := NewCapSet()
	for _, a := range args {
		s, ok := AsAtom(a)
		if !ok {
			return caps, fmt.Errorf("imap: capability %v is not an atom", a)
		}
		caps.Add(Cap(s))
	}
	return caps, nil
}

// ParseEnabled returns the capabilities of "* ENABLED ..." (RFC 5161 §3.2).
func ParseEnabled(resp *Response) ([]Cap, error) {
	if resp.Name() != "ENABLED" {
		return nil, fmt.Errorf("imap: not an ENABLED response: %s", resp)
	}
	caps, err := capsOf(resp.Args())
	return caps.All(), err
}

// Namespace is one namespace description (RFC 2342 §5, RFC 9051 §7.3.5).
type Namespace struct {
	Prefix     string
	Delim      rune // 0 for NIL
	Extensions []FetchItem
}

// NamespaceData is a NAMESPACE response; each kind may be empty (NIL).
type NamespaceData struct {
	Personal, Other, Shared []Namespace
}

// ParseNamespace converts "* NAMESPACE personal other shared". utf8 says
// whether prefixes are UTF-8 rather than modified UTF-7.
func ParseNamespace(resp *Response, utf8 bool) (*NamespaceData, error) {
	args := resp.Args()
	if resp.Name() != "NAMESPACE" || len(args) != 3 {
		return nil, fmt.Errorf("imap: not a NAMESPACE response: %s", resp)
	}
	d := &NamespaceData{}
	for i, dst := range []*[]Namespace{&d.Personal, &d.Other, &d.Shared} {
		ns, err := parseNamespaces(args[i], utf8)
		if err != nil {
			return nil, fmt.Errorf("imap: NAMESPACE part %d: %w", i+1, err)
		}
		*dst = ns
	}
	return d, nil
}

func parseNamespaces(v Value, utf8 bool) ([]Namespace, error) {
	l, ok := AsList(v)
	if !ok {
		return nil, fmt.Errorf("not a list: %v", v)
	}
	var out []Namespace
	for _, x := range l {
		d, ok := x.(List)
		if !ok || len(d) < 2 || len(d)%2 != 0 {
			return nil, fmt.Errorf("namespace %v is not (prefix delim [ext...])", x)
		}
		var ns Namespace
		var err error
		if ns.Prefix, err = mailboxName(d[0], utf8); err != nil {
			return nil, err
		}
		if ns.Delim, err = parseDelim(d[1]); err != nil {
			return nil, err
		}
		for i := 2; i < len(d); i += 2 {
			name, _ := AsString(d[i])
			ns.Extensions = append(ns.Extensions, FetchItem{Name: strings.ToUpper(name), Value: d[i+1]})
		}
		out = append(out, ns)
	}
	return out, nil
}

// ParseID converts "* ID (field value ...)" or "* ID NIL" (RFC 2971 §3.2).
// Field names are kept as sent; a NIL value becomes "".
func ParseID(resp *Response) (map[string]string, error) {
	args := resp.Args()
	if resp.Name() != "ID" || len(args) != 1 {
		return nil, fmt.Errorf("imap: not an ID response: %s", resp)
	}
	l, ok := AsList(args[0])
	if !ok || len(l)%2 != 0 {
		return nil, fmt.Errorf("imap: ID parameters are not field-value pairs: %v", args[0])
	}
	if l == nil {
		return nil, nil
	}
	m := make(map[string]string, len(l)/2)
	for i := 0; i < len(l); i += 2 {
		k, ok1 := AsString(l[i])
		v, _, ok2 := AsNString(l[i+1])
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("imap: ID pair %v %v is not two strings", l[i], l[i+1])
		}
		m[k] = v
	}
	return m, nil
}
