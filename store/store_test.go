package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestNewFlagsCanonical(t *testing.T) {
	got := NewFlags(`\SEEN`, "work", `\Recent`, `\seen`, "$forwarded", "Work", `\Flagged`)
	want := Flags{Forwarded, Flagged, Seen, "work"}
	if !got.Equal(want) || len(got) != len(want) {
		t.Fatalf("NewFlags = %v, want %v", got, want)
	}
	if s := got.String(); s != `$Forwarded \Flagged \Seen work` {
		t.Fatalf("String = %q", s)
	}
	if back := ParseFlags(got.String()); !back.Equal(got) {
		t.Fatalf("ParseFlags(String) = %v, want %v", back, got)
	}
}

func TestFlagsSetOps(t *testing.T) {
	a := NewFlags(Seen, Flagged, "x")
	b := NewFlags(Seen, "X", Draft)
	if u := a.Union(b); !u.Equal(NewFlags(Seen, Flagged, "x", Draft)) {
		t.Errorf("Union = %v", u)
	}
	if m := a.Minus(b); !m.Equal(NewFlags(Flagged)) {
		t.Errorf("Minus = %v", m)
	}
	if !a.Has(`\flagged`) || a.Has(Draft) {
		t.Errorf("Has wrong on %v", a)
	}
	if NewFlags().Equal(a) || !Flags(nil).Equal(NewFlags()) {
		t.Error("Equal wrong on empty sets")
	}
}

func TestErrorScopes(t *testing.T) {
	base := errors.New("connection reset")
	err := fmt.Errorf("sync: %w", Errorf(ScopeMailbox, true, "fetch", "INBOX", 7, "read body: %w", base))
	if ScopeOf(err) != ScopeMailbox || !IsRetryable(err) {
		t.Fatalf("scope %v retryable %v", ScopeOf(err), IsRetryable(err))
	}
	if !errors.Is(err, ErrMailbox) || !errors.Is(err, base) || errors.Is(err, ErrStore) {
		t.Fatal("errors.Is does not see scope sentinel and cause")
	}
	if got := err.Error(); got != `sync: fetch "INBOX" uid 7: read body: connection reset` {
		t.Fatalf("Error() = %q", got)
	}
	if ScopeOf(fmt.Errorf("x: %w", context.Canceled)) != ScopeCanceled {
		t.Fatal("context.Canceled not ScopeCanceled")
	}
	if ScopeOf(errors.New("unknown")) != ScopeStore || ScopeOf(nil) != 0 {
		t.Fatal("unknown errors must be store-wide, nil none")
	}
}
