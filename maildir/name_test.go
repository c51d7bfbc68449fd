package maildir

import (
	"strings"
	"testing"
)

// TestFlagsRoundTrip: every combination of the six standard letters, alone
// and with unknown letters, survives name formatting and parsing, and is
// written in ASCII order.
func TestFlagsRoundTrip(t *testing.T) {
	extras := []string{"", "a", "z", "az", "X", "Xb", "0"}
	base := ParseName("1700000000.M1P2.host,S=10,W=12")
	for mask := 0; mask < 64; mask++ {
		for _, extra := range extras {
			var want []byte
			var f Flags
			for i := 0; i < len(StandardFlags); i++ {
				if mask&(1<<i) != 0 {
					f = f.With(StandardFlags[i])
				}
			}
			for i := 0; i < len(extra); i++ {
				f = f.With(extra[i])
			}
			for c := byte(0); c < 0x80; c++ {
				if f.Has(c) {
					want = append(want, c)
				}
			}
			name := base.WithFlags(f).String()
			if !strings.HasSuffix(name, ":2,"+string(want)) {
				t.Fatalf("mask %d extra %q: name %q, want suffix :2,%s", mask, extra, name, want)
			}
			back := ParseName(name)
			if back.Flags() != f || back.Unique != base.Unique || back.Extra != base.Extra {
				t.Fatalf("mask %d extra %q: round trip of %q gave %+v", mask, extra, name, back)
			}
			if back.String() != name {
				t.Fatalf("String() = %q, want %q", back.String(), name)
			}
		}
	}
}

func TestFlagsOrderAndSets(t *testing.T) {
	f := ParseFlags("TbSaFD,:/\x00\xff")
	if got := f.String(); got != "DFSTab" {
		t.Fatalf("ParseFlags sorted = %q, want DFSTab", got)
	}
	if !f.Has(FlagSeen) || f.Has(FlagReplied) || f.Has(0xff) {
		t.Fatalf("Has wrong for %q", f)
	}
	if g := f.Without(FlagSeen).With(FlagReplied); g.String() != "DFRTab" {
		t.Fatalf("With/Without = %q", g)
	}
	if kw := string(f.Keywords()); kw != "ab" {
		t.Fatalf("Keywords = %q", kw)
	}
	if u := ParseFlags("S").Union(ParseFlags("F")); u.String() != "FS" {
		t.Fatalf("Union = %q", u)
	}
	if m := ParseFlags("FS").Minus(ParseFlags("F")); m.String() != "S" {
		t.Fatalf("Minus = %q", m)
	}
	if !(Flags{}).IsEmpty() || f.IsEmpty() {
		t.Fatal("IsEmpty wrong")
	}
}

// TestParseForeignNames: names written by mbsync, OfflineIMAP, Dovecot and
// plain delivery agents parse into the same parts.
func TestParseForeignNames(t *testing.T) {
	tests := []struct {
		tool, name, unique, flags string
		uid                       uint32
		size, vsize               int64
		fmd5                      string
	}{
		{"mbsync", "1700000000.12345_1.myhost,U=123:2,S", "1700000000.12345_1.myhost", "S", 123, -1, -1, ""},
		{"mbsync new", "1700000000.12345_2.myhost,U=7", "1700000000.12345_2.myhost", "", 7, -1, -1, ""},
		{"offlineimap", "1700000000_0.4242.myhost,U=12,FMD5=7e33429f656f1e6e9d79b29c3f82c57e:2,FS",
			"1700000000_0.4242.myhost", "FS", 12, -1, -1, "7e33429f656f1e6e9d79b29c3f82c57e"},
		{"dovecot", "1700000000.M123456P1234.mail.example.org,S=4321,W=4400:2,RSa",
			"1700000000.M123456P1234.mail.example.org", "RSa", 0, 4321, 4400, ""},
		{"dovecot escaped host", `1700000000.M1P2.a\057b\072c,S=1:2,`, `1700000000.M1P2.a\057b\072c`, "", 0, 1, -1, ""},
		{"plain", "1700000000.P99Q3.host", "1700000000.P99Q3.host", "", 0, -1, -1, ""},
		{"unsorted flags", "u:2,SFD", "u", "DFS", 0, -1, -1, ""},
		{"experimental info", "u:1,xyz", "u", "", 0, -1, -1, ""},
	}
	for _, tt := range tests {
		n := ParseName(tt.name)
		if n.String() != tt.name {
			t.Errorf("%s: String() = %q, want %q", tt.tool, n.String(), tt.name)
		}
		if n.Unique != tt.unique || n.Flags().String() != tt.flags {
			t.Errorf("%s: unique %q flags %q, want %q %q", tt.tool, n.Unique, n.Flags(), tt.unique, tt.flags)
		}
		uid, ok := n.UID()
		if uid != tt.uid || ok != (tt.uid != 0) {
			t.Errorf("%s: UID = %d,%v want %d", tt.tool, uid, ok, tt.uid)
		}
		checkSize(t, tt.tool+" S", n.Size, tt.size)
		checkSize(t, tt.tool+" W", n.VirtualSize, tt.vsize)
		if v, _ := n.Field("FMD5"); v != tt.fmd5 {
			t.Errorf("%s: FMD5 = %q, want %q", tt.tool, v, tt.fmd5)
		}
	}
}

func checkSize(t *testing.T, what string, get func() (int64, bool), want int64) {
	t.Helper()
	v, ok := get()
	if (want < 0 && ok) || (want >= 0 && (!ok || v != want)) {
		t.Errorf("%s = %d,%v want %d", what, v, ok, want)
	}
}

// TestNameFieldEdits: flag changes and field edits keep the other parts.
func TestNameFieldEdits(t *testing.T) {
	n := ParseName("1.M2.h,U=12,FMD5=ab:2,S")
	if got := n.WithFlags(ParseFlags("FS")).String(); got != "1.M2.h,U=12,FMD5=ab:2,FS" {
		t.Errorf("WithFlags = %q", got)
	}
	if got := n.WithField("U", "99").String(); got != "1.M2.h,U=99,FMD5=ab:2,S" {
		t.Errorf("WithField replace = %q", got)
	}
	if got := n.WithField("S", "5").String(); got != "1.M2.h,U=12,FMD5=ab,S=5:2,S" {
		t.Errorf("WithField append = %q", got)
	}
	if got := n.WithoutField("U").String(); got != "1.M2.h,FMD5=ab:2,S" {
		t.Errorf("WithoutField = %q", got)
	}
	if got := ParseName("x").WithField("S", "1").WithFlags(Flags{}).String(); got != "x,S=1:2," {
		t.Errorf("fresh = %q", got)
	}
	if _, ok := ParseName("x,S=-3").Size(); ok {
		t.Error("negative size accepted")
	}
	if _, ok := ParseName("x,U=0").UID(); ok {
		t.Error("UID 0 accepted")
	}
}

func TestNamerUnique(t *testing.T) {
	n := NewNamer()
	n.host = EscapeHost("a/b:c,d")
	seen := map[string]bool{}
	for i := 0; i < 10000; i++ {
		s := n.Next()
		if seen[s] {
			t.Fatalf("duplicate name %q", s)
		}
		seen[s] = true
		if strings.ContainsAny(s, "/:,") {
			t.Fatalf("name %q has a forbidden character", s)
		}
		if p := ParseName(s); p.Unique != s || p.HasInfo || p.Extra != "" {
			t.Fatalf("unique %q does not parse as a bare unique", s)
		}
	}
	if got := EscapeHost("a/b:c"); got != `a\057b\072c` {
		t.Errorf("EscapeHost = %q", got)
	}
}
