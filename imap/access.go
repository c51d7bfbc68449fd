package imap

import (
	"strconv"
	"strings"
)

// AsString returns the text of a string-like value: Str, AStr, Atom, Raw,
// Mailbox, Number (its decimal form) or Flag. NIL is not a string.
func AsString(v Value) (string, bool) {
	switch v := v.(type) {
	case Str:
		return string(v), true
	case AStr:
		return string(v), true
	case Atom:
		return string(v), true
	case Number:
		return v.String(), true
	case Raw:
		return string(v), true
	case Mailbox:
		return string(v), true
	case Flag:
		return string(v), true
	}
	return "", false
}

// AsNString returns the text of an nstring (RFC 9051 §9): ok is true for NIL
// (isNil true, s empty) and for string-like values.
func AsNString(v Value) (s string, isNil, ok bool) {
	if _, n := v.(Nil); n {
		return "", true, true
	}
	s, ok = AsString(v)
	return s, false, ok
}

// AsAtom returns the text of an atom; NIL is returned as "NIL" since the
// decoder cannot tell the two apart where an atom is expected.
func AsAtom(v Value) (string, bool) {
	switch v := v.(type) {
	case Atom:
		return string(v), true
	case Nil:
		return "NIL", true
	case Flag:
		return string(v), true
	case Number:
		return v.String(), true
	}
	return "", false
}

// AsNumber returns the value of a Number, UID or SeqNum, or of an atom or
// string made only of digits (servers differ in how they send some numbers).
func AsNumber(v Value) (uint64, bool) {
	switch v := v.(type) {
	case Number:
		return uint64(v), true
	case UID:
		return uint64(v), true
	case SeqNum:
		return uint64(v), true
	case Atom:
		n, err := strconv.ParseUint(string(v), 10, 64)
		return n, err == nil
	case Str:
		n, err := strconv.ParseUint(string(v), 10, 64)
		return n, err == nil
	}
	return 0, false
}

// AsList returns the elements of a List. NIL is accepted as an empty list,
// a quirk tolerated because some servers send NIL for an empty list.
func AsList(v Value) (List, bool) {
	switch v := v.(type) {
	case List:
		return v, true
	case Nil:
		return nil, true
	}
	return nil, false
}

// IsAtomNamed reports whether v is an atom equal to name, ignoring case.
func IsAtomNamed(v Value, name string) bool {
	a, ok := AsAtom(v)
	return ok && strings.EqualFold(a, name)
}
