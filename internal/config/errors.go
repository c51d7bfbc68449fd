package config

import (
	"errors"
	"fmt"
	"sort"
)

// Error is one problem in a configuration file. Its text is
// "FILE:LINE: KEY: MSG" (LINE and KEY left out when unknown), e.g.
//
//	config.toml:7: accounts.work.tls: "startls" is not one of implicit, starttls, plaintext-insecure
//
// Msg never contains a secret.
type Error struct {
	File string
	Line int    // 1-based; 0 when unknown
	Key  string // dotted TOML key, e.g. accounts.work.tls; "" for file-level problems
	Msg  string
}

func (e *Error) Error() string {
	s := e.File
	if e.Line > 0 {
		s += fmt.Sprintf(":%d", e.Line)
	}
	if e.Key != "" {
		s += ": " + e.Key
	}
	return s + ": " + e.Msg
}

// joinErrors sorts errs by line and joins them (nil when empty); each stays
// reachable with errors.As.
func joinErrors(errs []*Error) error {
	if len(errs) == 0 {
		return nil
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
	list := make([]error, len(errs))
	for i, e := range errs {
		list[i] = e
	}
	return errors.Join(list...)
}

// suggest returns the known name closest to name (edit distance ≤ 2), or "".
func suggest(name string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := editDistance(name, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b (bytes).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
