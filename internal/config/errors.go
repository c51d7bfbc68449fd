package config

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
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

// keyLines finds, for every key the TOML decoder saw, the line (1-based)
// where it is written. The decoder does not export positions, so this scans
// the text: keys come in file order, so each is searched from the line of
// the previous one onwards, as a bare or quoted name followed by "=", "."
// or "]" (key, dotted key, table header). Keys it cannot place get the line
// of their nearest placed parent, or 0.
func keyLines(text string, keys []toml.Key) map[string]int {
	lines := strings.Split(text, "\n")
	out := make(map[string]int, len(keys))
	cur := 0
	for _, k := range keys {
		if n := findKey(lines, cur, k[len(k)-1]); n >= 0 {
			cur = n
			out[k.String()] = n + 1
		}
	}
	return out
}

func findKey(lines []string, from int, name string) int {
	re := keyPattern(name)
	for i := from; i < len(lines); i++ {
		if re.MatchString(stripComment(lines[i])) {
			return i
		}
	}
	return -1
}

// keyPattern matches name as a key: bare, "quoted" or 'quoted', preceded by
// the line start or a separator and followed by "=", "." or "]".
func keyPattern(name string) *regexp.Regexp {
	q := regexp.QuoteMeta(name)
	forms := `"` + q + `"|'` + q + `'`
	if isBare(name) {
		forms = q + "|" + forms
	}
	return regexp.MustCompile(`(^|[\s.\[{,])(` + forms + `)\s*[=.\]]`)
}

func isBare(name string) bool {
	for _, r := range name {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return name != ""
}

// stripComment drops a "#" comment that is not inside a string (good enough
// for key search: multi-line strings are not tracked).
func stripComment(line string) string {
	var quote rune
	for i, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote == 0 && (r == '"' || r == '\''):
			quote = r
		case quote == 0 && r == '#':
			return line[:i]
		}
	}
	return line
}

// lineOf returns the line of key or of its nearest placed parent.
func lineOf(lines map[string]int, key toml.Key) int {
	for k := key; len(k) > 0; k = k[:len(k)-1] {
		if n := lines[k.String()]; n > 0 {
			return n
		}
	}
	return 0
}
