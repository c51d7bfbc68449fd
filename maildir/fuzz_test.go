package maildir

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// FuzzParseName: any file name parses and formats back exactly; a flag
// change keeps the unique part and the extra fields and reads back.
func FuzzParseName(f *testing.F) {
	for _, s := range []string{"1.M2P3.h,U=1:2,S", "u,S=1,W=2:2,FSa", "x", ":", ",", "a:b:c", "u:1,x", ""} {
		f.Add(s, "DFS")
	}
	f.Fuzz(func(t *testing.T, name, flags string) {
		n := ParseName(name)
		if n.String() != name {
			t.Fatalf("ParseName(%q).String() = %q", name, n.String())
		}
		fl := ParseFlags(flags)
		m := ParseName(n.WithFlags(fl).String())
		if m.Flags() != fl || m.Unique != n.Unique || m.Extra != n.Extra {
			t.Fatalf("flags %q on %q: got %+v", fl, name, m)
		}
		n.Size()
		n.UID()
		n.VirtualSize()
	})
}

// FuzzLayoutRoundTrip: every valid mailbox name maps to a directory under
// the root and back to the same (canonical) components, in both layouts.
func FuzzLayoutRoundTrip(f *testing.F) {
	for _, s := range []string{"INBOX", "a/b", "cur", ".x/..", "a.b%", "Ärger/送信", "x\x00y"} {
		f.Add(s, "/")
	}
	f.Fuzz(func(t *testing.T, name, extra string) {
		parts := strings.Split(name, "/")
		if extra != "" {
			parts = append(parts, extra) // a component that may hold '/'
		}
		want, err := CanonicalParts(parts)
		for _, l := range []Layout{LayoutFS, LayoutMaildirPP} {
			dir, perr := l.PartsPath("/root", parts)
			if (err == nil) != (perr == nil) {
				if perr != nil && strings.Contains(perr.Error(), "too long") {
					continue
				}
				t.Fatalf("%v %q: canonical err %v, path err %v", l, parts, err, perr)
			}
			if perr != nil {
				continue
			}
			if rel, rerr := filepath.Rel("/root", dir); rerr != nil || strings.HasPrefix(rel, "..") {
				t.Fatalf("%v %q: %q escapes the root", l, parts, dir)
			}
			got, nerr := l.Parts("/root", dir)
			if nerr != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("%v %q -> %q -> %q, %v", l, parts, dir, got, nerr)
			}
		}
	})
}
