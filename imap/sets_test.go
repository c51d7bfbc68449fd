package imap

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestParseFormatSet(t *testing.T) {
	rows := []struct{ in, want string }{
		{"1", "1"},
		{"1:3,5", "1:3,5"},
		{"3:1", "1:3"},
		{"5,4,3,1", "1,3:5"},
		{"1:*", "1:*"},
		{"*:4", "4:*"},
		{"*", "*"},
		{"2,4:7,9,12:*", "2,4:7,9,12:*"},
		{"1:5,2:3", "1:5"},
		{"1:2,3:4", "1:4"},
		{"10:20,1:9", "1:20"},
		{"4294967295,*", "4294967295:*"},
		{"7,5:*", "5:*"},
	}
	for _, r := range rows {
		s, err := ParseUIDSet(r.in)
		if err != nil || s.String() != r.want {
			t.Errorf("ParseUIDSet(%q) = %q, %v; want %q", r.in, s.String(), err, r.want)
		}
	}
	for _, bad := range []string{"", "0", "1:", ":2", "a", "1,,2", "4294967296", "01", "+1", "1:2:3"} {
		if s, err := ParseUIDSet(bad); err == nil {
			t.Errorf("ParseUIDSet(%q) = %q, want error", bad, s.String())
		}
	}
}

func TestSetContainsIterate(t *testing.T) {
	s, _ := ParseSeqSet("2,4:6,10:*")
	for n, want := range map[SeqNum]bool{1: false, 2: true, 3: false, 4: true, 6: true, 7: false, 10: true, 99999: true} {
		if s.Contains(n) != want {
			t.Errorf("Contains(%d) = %v", n, !want)
		}
	}
	if !s.Dynamic() {
		t.Error("Dynamic() = false for a set with *")
	}
	if got := slices.Collect(s.All()); !slices.Equal(got, []SeqNum{2, 4, 5, 6, 10}) {
		t.Errorf("All() = %v", got)
	}
	if _, ok := s.Nums(); ok {
		t.Error("Nums() ok for a dynamic set")
	}
	u := UIDSetOf(9, 3, 4, 5, 1)
	if nums, ok := u.Nums(); !ok || !slices.Equal(nums, []UID{1, 3, 4, 5, 9}) || u.Len() != 5 {
		t.Errorf("Nums() = %v, %v; Len %d", nums, ok, u.Len())
	}
}

func TestSplit(t *testing.T) {
	var s UIDSet
	for i := UID(1); i < 20000; i += 2 {
		s.AddNum(i)
	}
	parts := s.Split(8000)
	var again UIDSet
	for _, p := range parts {
		if len(p.String()) > 8000 {
			t.Fatalf("part of %d bytes", len(p.String()))
		}
		again.AddSet(p)
	}
	if len(parts) < 2 || again.String() != s.String() {
		t.Errorf("split into %d parts; rejoined equal: %v", len(parts), again.String() == s.String())
	}
	if got := UIDRangeSet(1, 0).Split(21); len(got) != 1 || got[0].String() != "1:*" {
		t.Errorf("Split of 1:* = %v", got)
	}
}

func TestFlag(t *testing.T) {
	if Flag(`\SEEN`).Canonical() != FlagSeen || Flag("$junk").Canonical() != "$junk" {
		t.Error("Canonical")
	}
	if !Flag(`\seen`).Equal(FlagSeen) || Flag("$Junk").Equal("$NotJunk") {
		t.Error("Equal")
	}
	if !HasFlag([]Flag{`\DELETED`}, FlagDeleted) {
		t.Error("HasFlag")
	}
}

func TestCapSet(t *testing.T) {
	c := NewCapSet("IMAP4rev1", "auth=PLAIN", "Idle", "AUTH=XOAUTH2")
	if !c.Has(CapIdle) || !c.HasAuth("plain") || c.Has(CapMove) {
		t.Error("Has")
	}
	if got := strings.Join(c.AuthMechanisms(), ","); got != "PLAIN,XOAUTH2" {
		t.Errorf("AuthMechanisms = %s", got)
	}
}

// TestSetModel checks UIDSet against a plain map under random additions.
func TestSetModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 200; round++ {
		var s UIDSet
		model := map[UID]bool{}
		for range rng.IntN(20) + 1 {
			a := UID(rng.IntN(60) + 1)
			b := UID(rng.IntN(60) + 1)
			s.AddRange(a, b)
			for u := min(a, b); u <= max(a, b); u++ {
				model[u] = true
			}
		}
		for u := UID(1); u <= 62; u++ {
			if s.Contains(u) != model[u] {
				t.Fatalf("round %d: Contains(%d) = %v, model %v, set %s", round, u, !model[u], model[u], s)
			}
		}
		again, err := ParseUIDSet(s.String())
		if err != nil || again.String() != s.String() || s.Len() != uint64(len(model)) {
			t.Fatalf("round %d: %s reparsed as %s (%v), len %d vs %d", round, s, again, err, s.Len(), len(model))
		}
		rs := s.Ranges()
		for i := 1; i < len(rs); i++ {
			if uint64(rs[i].Start) <= uint64(rs[i-1].Stop)+1 {
				t.Fatalf("round %d: ranges not merged: %s", round, s)
			}
		}
	}
}
