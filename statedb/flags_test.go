package statedb

import (
	"slices"
	"testing"
)

func TestMakeFlagSet(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want FlagSet
	}{
		{nil, ""},
		{[]string{`\Seen`}, `\Seen`},
		{[]string{`\seen`, `\SEEN`, `\Seen`}, `\Seen`},
		{[]string{"work", `\Flagged`, `$Forwarded`, `\Seen`}, `$Forwarded \Flagged \Seen work`},
		{[]string{"b", "a", "b"}, "a b"},
		{[]string{"Work", "work"}, "Work work"}, // keywords keep their case
		{[]string{"My Label", `\Inbox`}, `My%20Label \Inbox`},
		{[]string{"100%", "tab\there"}, "100%25 tab%09here"},
		{[]string{"Ünïcödé"}, "Ünïcödé"},
	} {
		got, err := MakeFlagSet(tc.in...)
		if err != nil || got != tc.want {
			t.Errorf("MakeFlagSet(%q) = %q %v, want %q", tc.in, got, err, tc.want)
			continue
		}
		if !got.Valid() {
			t.Errorf("%q not Valid", got)
		}
		items := got.Items()
		for _, it := range tc.in {
			if !got.Has(it) {
				t.Errorf("%q.Has(%q) = false", got, it)
			}
			if !slices.Contains(items, canonicalSystemFlag(it)) {
				t.Errorf("%q.Items() = %q, missing %q", got, items, it)
			}
		}
		again, _ := MakeFlagSet(items...)
		if again != got {
			t.Errorf("round trip %q -> %q -> %q", tc.in, got, again)
		}
	}
}

func TestMakeFlagSetRejects(t *testing.T) {
	for _, in := range [][]string{{""}, {"a", ""}, {"\xff\xfe"}} {
		if got, err := MakeFlagSet(in...); err == nil {
			t.Errorf("MakeFlagSet(%q) = %q, want an error", in, got)
		}
	}
}

func TestFlagSetValid(t *testing.T) {
	for s, want := range map[FlagSet]bool{
		"":              true,
		`\Seen work`:    true,
		`My%20Label`:    true,
		`work \Seen`:    false, // unsorted
		`a a`:           false, // duplicate
		`a  b`:          false, // empty item
		` a`:            false,
		`a `:            false,
		`\seen`:         false, // system flag not canonical
		`%41`:           false, // needless escape
		`%4`:            false, // malformed escape
		`%zz`:           false,
		"a\tb":          false, // unescaped control character
		FlagSet("\xff"): false,
	} {
		if got := s.Valid(); got != want {
			t.Errorf("FlagSet(%q).Valid() = %v, want %v", s, got, want)
		}
	}
}

func FuzzFlagSet(f *testing.F) {
	for _, s := range []string{`\Seen`, "My Label", "100%", "a%20b", "\x00", `\seen work`, "%41", "a%2", "b a", "a  b"} {
		f.Add(s, "work")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		s, err := MakeFlagSet(a, b)
		if err != nil {
			return
		}
		if !s.Valid() {
			t.Fatalf("MakeFlagSet(%q, %q) = %q is not Valid", a, b, s)
		}
		if !s.Has(a) || !s.Has(b) {
			t.Fatalf("%q lost %q or %q", s, a, b)
		}
		if again, err := MakeFlagSet(s.Items()...); err != nil || again != s {
			t.Fatalf("round trip %q -> %q %v", s, again, err)
		}
		// Valid agrees with its definition: re-making the items gives the same text.
		back, err := MakeFlagSet(FlagSet(a).Items()...)
		if def := a == "" || (err == nil && back == FlagSet(a)); FlagSet(a).Valid() != def {
			t.Fatalf("FlagSet(%q).Valid() = %v, but re-made as %q %v", a, !def, back, err)
		}
	})
}
