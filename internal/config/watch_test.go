package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestWatchKeys: the keys of imapdir watch are read, and bad durations
// name the line.
func TestWatchKeys(t *testing.T) {
	text := minimal + `watch = ["Archive", "Lists/go"]
full_sync_interval = "45m"
debounce = "150ms"
idle_restart = "9m"
poll_interval = "2m"
post_sync_command = "notmuch new"
new_mail_command = "notify-send \"$IMAPDIR_SUBJECT\""
hook_timeout = "20s"
`
	cfg, err := Parse("config.toml", []byte(text), testEnv())
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.Accounts[0]
	if !reflect.DeepEqual(a.Watch, []string{"Archive", "Lists/go"}) || a.FullSyncInterval != 45*time.Minute ||
		a.Debounce != 150*time.Millisecond || a.IdleRestart != 9*time.Minute || a.PollInterval != 2*time.Minute ||
		a.PostSyncCommand != "notmuch new" || a.NewMailCommand != `notify-send "$IMAPDIR_SUBJECT"` ||
		a.HookTimeout != 20*time.Second {
		t.Errorf("watch keys read as %+v", a)
	}
	for text, want := range map[string]string{
		`debounce = "soon"`:       `config.toml:6: accounts.work.debounce: time: invalid duration "soon"`,
		`idle_restart = "30m"`:    `config.toml:6: accounts.work.idle_restart: 30m0s is out of range 1m0s..29m0s`,
		`full_sync_interval = 60`: `config.toml:6: accounts.work.full_sync_interval: want a string, got integer`,
	} {
		_, err := Parse("config.toml", []byte(minimal+text), testEnv())
		if err == nil || err.Error() != want {
			t.Errorf("%s: error %v, want %s", text, err, want)
		}
	}
}

// TestWatchKeysRoundTrip: Encode writes the watch keys that are set, and
// Parse reads them back.
func TestWatchKeysRoundTrip(t *testing.T) {
	cfg, err := Parse("config.toml", []byte(minimal+`watch = ["A"]
debounce = "150ms"
new_mail_command = "notify-send \"$IMAPDIR_SUBJECT\""
`), testEnv())
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := Encode(&b, cfg.Accounts); err != nil {
		t.Fatal(err)
	}
	again, err := Parse("config.toml", []byte(b.String()), testEnv())
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	watchKeys := func(a Account) []any {
		return []any{a.Watch, a.FullSyncInterval, a.Debounce, a.IdleRestart, a.PollInterval,
			a.PostSyncCommand, a.NewMailCommand, a.HookTimeout}
	}
	if got, want := watchKeys(again.Accounts[0]), watchKeys(cfg.Accounts[0]); !reflect.DeepEqual(got, want) {
		t.Errorf("round trip changed the watch keys: %v, want %v", got, want)
	}
}
