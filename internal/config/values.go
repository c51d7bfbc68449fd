package config

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Env is what the loader needs from the process environment; tests give
// their own.
type Env struct {
	// Lookup returns an environment variable (os.LookupEnv).
	Lookup func(name string) (string, bool)
	// Home is the user's home directory, for "~".
	Home string
}

// OSEnv returns the process environment.
func OSEnv() Env {
	home, _ := os.UserHomeDir()
	return Env{Lookup: os.LookupEnv, Home: home}
}

// sizeUnits are binary multiples, as mbsync's MaxSize uses them.
var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30},
	{"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30},
	{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1},
}

// parseSize reads "20MB", "512k", "100000" (bytes). K, M, G (with or
// without B or iB) are binary multiples: 1 KB = 1024 bytes.
func parseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size like 20MB, 512KB or 1000000", s)
	}
	return n * mult, nil
}

// parseAge reads "90d", "2w", "1y" (365 days) or a Go duration ("36h").
func parseAge(s string) (time.Duration, error) {
	bad := fmt.Errorf("%q is not an age like 90d, 12w, 1y or 36h", s)
	t := strings.TrimSpace(s)
	day := 24 * time.Hour
	units := map[byte]time.Duration{'d': day, 'w': 7 * day, 'y': 365 * day}
	if n := len(t); n > 1 {
		if mult, ok := units[t[n-1]]; ok {
			v, err := strconv.Atoi(t[:n-1])
			if err != nil || v <= 0 || v > 1000*365 {
				return 0, bad
			}
			return time.Duration(v) * mult, nil
		}
	}
	d, err := time.ParseDuration(t)
	if err != nil || d <= 0 {
		return 0, bad
	}
	return d, nil
}

// parseTimeout reads a duration of 1 s to 1 h ("60s", "2m").
func parseTimeout(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d < time.Second || d > time.Hour {
		return 0, fmt.Errorf("%q is not a timeout from 1s to 1h (seconds, or like \"90s\", \"2m\")", s)
	}
	return d, nil
}

// parseDate reads "2024-01-31".
func parseDate(s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date like 2024-01-31", s)
	}
	return t, nil
}

// parseFingerprint reads "sha256:AB:CD:…" (colons optional, any case):
// 32 bytes of SHA-256.
func parseFingerprint(s string) ([]byte, error) {
	bad := fmt.Errorf("%q is not sha256: followed by 32 hex bytes", s)
	rest, ok := strings.CutPrefix(strings.ToLower(strings.TrimSpace(s)), "sha256:")
	if !ok {
		return nil, bad
	}
	b, err := hex.DecodeString(strings.ReplaceAll(rest, ":", ""))
	if err != nil || len(b) != 32 {
		return nil, bad
	}
	return b, nil
}

// expandPath expands a leading "~" or "~/" and $VAR / ${VAR}; an unset
// variable is an error (a typo would otherwise write mail to a wrong
// place). The result is cleaned and must be absolute.
func expandPath(s string, env Env) (string, error) {
	var missing []string
	out := os.Expand(s, func(name string) string {
		v, ok := lookup(env, name)
		if !ok {
			missing = append(missing, "$"+name)
		}
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("%s is not set", strings.Join(missing, ", "))
	}
	if out == "~" || strings.HasPrefix(out, "~/") {
		if env.Home == "" {
			return "", errors.New("~ used but the home directory is unknown")
		}
		out = env.Home + out[1:]
	}
	if !filepath.IsAbs(out) {
		return "", fmt.Errorf("%q is not an absolute path (start it with / or ~/)", s)
	}
	return filepath.Clean(out), nil
}

func lookup(env Env, name string) (string, bool) {
	if env.Lookup == nil {
		return "", false
	}
	return env.Lookup(name)
}

// syncWords maps each word of the sync key to the changes it enables.
func syncWord(w string) (SyncOps, bool) {
	all := Changes{New: true, Flags: true, Delete: true}
	switch w {
	case "all":
		return SyncOps{Pull: all, Push: all}, true
	case "none":
		return SyncOps{}, true
	case "pull":
		return SyncOps{Pull: all}, true
	case "push":
		return SyncOps{Push: all}, true
	case "new":
		return SyncOps{Pull: Changes{New: true}, Push: Changes{New: true}}, true
	case "flags":
		return SyncOps{Pull: Changes{Flags: true}, Push: Changes{Flags: true}}, true
	case "delete":
		return SyncOps{Pull: Changes{Delete: true}, Push: Changes{Delete: true}}, true
	}
	return fineSyncWord(w)
}

func fineSyncWord(w string) (SyncOps, bool) {
	dir, kind, ok := strings.Cut(w, "_")
	if !ok || (dir != "pull" && dir != "push") {
		return SyncOps{}, false
	}
	var c Changes
	switch kind {
	case "new":
		c.New = true
	case "flags":
		c.Flags = true
	case "delete":
		c.Delete = true
	default:
		return SyncOps{}, false
	}
	if dir == "pull" {
		return SyncOps{Pull: c}, true
	}
	return SyncOps{Push: c}, true
}

// syncWordList is the list shown when a word is not understood.
const syncWordList = "all, none, pull, push, new, flags, delete, " +
	"pull_new, pull_flags, pull_delete, push_new, push_flags, push_delete"

// parseSync returns the union of the words' changes.
func parseSync(words []string) (SyncOps, error) {
	var ops SyncOps
	for _, w := range words {
		o, ok := syncWord(w)
		if !ok {
			return SyncOps{}, fmt.Errorf("%q is not one of %s", w, syncWordList)
		}
		ops.Pull = union(ops.Pull, o.Pull)
		ops.Push = union(ops.Push, o.Push)
	}
	return ops, nil
}

func union(a, b Changes) Changes {
	return Changes{New: a.New || b.New, Flags: a.Flags || b.Flags, Delete: a.Delete || b.Delete}
}
