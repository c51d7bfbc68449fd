package imap

import (
	"slices"
	"strings"
)

// Cap is a capability name as advertised in CAPABILITY (RFC 9051 §7.2.2).
type Cap string

// Well-known capabilities.
const (
	CapIMAP4rev1    Cap = "IMAP4rev1"
	CapIMAP4rev2    Cap = "IMAP4rev2"
	CapStartTLS     Cap = "STARTTLS"
	CapLoginDisable Cap = "LOGINDISABLED"
	CapSASLIR       Cap = "SASL-IR"          // RFC 4959
	CapLiteralPlus  Cap = "LITERAL+"         // RFC 7888
	CapLiteralMinus Cap = "LITERAL-"         // RFC 7888
	CapIdle         Cap = "IDLE"             // RFC 2177
	CapUIDPlus      Cap = "UIDPLUS"          // RFC 4315
	CapMove         Cap = "MOVE"             // RFC 6851
	CapCondStore    Cap = "CONDSTORE"        // RFC 7162
	CapQResync      Cap = "QRESYNC"          // RFC 7162
	CapEnable       Cap = "ENABLE"           // RFC 5161
	CapNamespace    Cap = "NAMESPACE"        // RFC 2342
	CapID           Cap = "ID"               // RFC 2971
	CapESearch      Cap = "ESEARCH"          // RFC 4731
	CapListExtended Cap = "LIST-EXTENDED"    // RFC 5258
	CapListStatus   Cap = "LIST-STATUS"      // RFC 5819
	CapSpecialUse   Cap = "SPECIAL-USE"      // RFC 6154
	CapNotify       Cap = "NOTIFY"           // RFC 5465
	CapUTF8Accept   Cap = "UTF8=ACCEPT"      // RFC 6855
	CapBinary       Cap = "BINARY"           // RFC 3516
	CapMultiAppend  Cap = "MULTIAPPEND"      // RFC 3502
	CapUnselect     Cap = "UNSELECT"         // RFC 3691
	CapCompress     Cap = "COMPRESS=DEFLATE" // RFC 4978
	CapObjectID     Cap = "OBJECTID"         // RFC 8474
	CapGmailExt     Cap = "X-GM-EXT-1"       // Gmail IMAP extensions
)

// CapSet is a set of capabilities, compared case-insensitively. The zero
// value is empty and usable for reading; use NewCapSet or Add to fill it.
type CapSet struct {
	m map[string]Cap // upper-cased name → name as advertised
}

// NewCapSet returns a set holding caps.
func NewCapSet(caps ...Cap) CapSet {
	var s CapSet
	s.Add(caps...)
	return s
}

// Add adds caps to s.
func (s *CapSet) Add(caps ...Cap) {
	if s.m == nil {
		s.m = make(map[string]Cap, len(caps))
	}
	for _, c := range caps {
		s.m[strings.ToUpper(string(c))] = c
	}
}

// Has reports whether c is in the set, ignoring case.
func (s CapSet) Has(c Cap) bool {
	_, ok := s.m[strings.ToUpper(string(c))]
	return ok
}

// Len returns the number of capabilities in the set.
func (s CapSet) Len() int { return len(s.m) }

// All returns the capabilities, as advertised, sorted.
func (s CapSet) All() []Cap {
	out := make([]Cap, 0, len(s.m))
	for _, c := range s.m {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// AuthMechanisms returns the SASL mechanisms advertised as AUTH=X, upper-cased
// and sorted (RFC 9051 §6.2.2).
func (s CapSet) AuthMechanisms() []string {
	var out []string
	for k := range s.m {
		if m, ok := strings.CutPrefix(k, "AUTH="); ok {
			out = append(out, m)
		}
	}
	slices.Sort(out)
	return out
}

// HasAuth reports whether AUTH=mech is advertised, ignoring case.
func (s CapSet) HasAuth(mech string) bool { return s.Has(Cap("AUTH=" + mech)) }

// String lists the capabilities, sorted, separated by spaces.
func (s CapSet) String() string {
	caps := s.All()
	parts := make([]string, len(caps))
	for i, c := range caps {
		parts[i] = string(c)
	}
	return strings.Join(parts, " ")
}
