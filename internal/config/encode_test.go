package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestEncodeRoundTrips(t *testing.T) {
	cfg, err := Parse("config.toml", []byte(full), testEnv())
	if err != nil {
		t.Fatal(err)
	}
	odd := cfg.Accounts[0]
	odd.Name, odd.Password = `odd "name" é`, NewSecret("p\"w\\\n\x01")
	odd.PasswordCommand, odd.CAFile, odd.Fingerprint = "", "", nil
	odd.TLS, odd.Sync = TLSPlaintextInsecure, SyncOps{Pull: Changes{New: true}, Push: Changes{Flags: true, Delete: true}}
	odd.Gmail, odd.MaxAge = GmailOn, 0
	none := cfg.Accounts[1]
	none.Name, none.Sync = "none", SyncOps{}
	accounts := append(cfg.Accounts, odd, none)

	var b strings.Builder
	if err := Encode(&b, accounts); err != nil {
		t.Fatal(err)
	}
	back, err := Parse("encoded.toml", []byte(b.String()), testEnv())
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if len(back.Accounts) != len(accounts) {
		t.Fatalf("%d accounts back, want %d", len(back.Accounts), len(accounts))
	}
	for i := range accounts {
		want, got := accounts[i], back.Accounts[i]
		want.Line, got.Line = 0, 0
		if !reflect.DeepEqual(got, want) {
			t.Errorf("account %d:\n got  %+v\n want %+v", i, got, want)
		}
		if got.Password.Reveal() != want.Password.Reveal() {
			t.Errorf("account %d: password does not round-trip", i)
		}
	}
}

func TestSyncWordsRoundTrip(t *testing.T) {
	for _, ops := range []SyncOps{
		{}, {Pull: Changes{true, true, true}}, {Push: Changes{New: true}},
		{Pull: Changes{true, true, true}, Push: Changes{Flags: true}},
	} {
		got, err := parseSync(syncWords(ops))
		if err != nil || got != ops {
			t.Errorf("%+v -> %q -> %+v, %v", ops, syncWords(ops), got, err)
		}
	}
}
