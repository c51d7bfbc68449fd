package config

import (
	"testing"
	"time"
)

// TestTimeout: the timeout key takes seconds or a duration, defaults to
// 60 s (mbsync's Timeout), and refuses what is out of 1 s..1 h.
func TestTimeout(t *testing.T) {
	for text, want := range map[string]time.Duration{
		minimal:                    DefaultTimeout,
		minimal + "timeout = 90":   90 * time.Second,
		minimal + `timeout = "2m"`: 2 * time.Minute,
	} {
		cfg, err := Parse("c.toml", []byte(text), testEnv())
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		if got := cfg.Accounts[0].Timeout; got != want {
			t.Errorf("%s: timeout %v, want %v", text, got, want)
		}
	}
	for text, want := range map[string]string{
		minimal + "timeout = 0":         `c.toml:6: accounts.work.timeout: "0s" is not a timeout from 1s to 1h (seconds, or like "90s", "2m")`,
		minimal + `timeout = "forever"`: `c.toml:6: accounts.work.timeout: "forever" is not a timeout from 1s to 1h (seconds, or like "90s", "2m")`,
		minimal + "timeout = 7200":      `c.toml:6: accounts.work.timeout: "7200s" is not a timeout from 1s to 1h (seconds, or like "90s", "2m")`,
	} {
		_, err := Parse("c.toml", []byte(text), testEnv())
		if err == nil || err.Error() != want {
			t.Errorf("got  %v\nwant %s", err, want)
		}
	}
}
