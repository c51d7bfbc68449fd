package config

import (
	"os"
	"sort"
	"strings"
	"testing"
)

// Every key the parser accepts is documented once, and nothing else is.
func TestEveryKeyIsDocumented(t *testing.T) {
	documented := map[string]int{}
	for _, k := range Keys {
		documented[k.Key]++
		if k.Doc == "" || k.Example == "" {
			t.Errorf("key %s: empty doc or example", k.Key)
		}
	}
	var missing []string
	for key := range fields {
		if documented[key] != 1 {
			missing = append(missing, key)
		}
		delete(documented, key)
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("keys without exactly one entry in Keys: %v", missing)
	}
	for key := range documented {
		t.Errorf("Keys documents %q, which the parser does not accept", key)
	}
}

// The README's table of keys names every key too.
func TestREADMENamesEveryKey(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range Keys {
		if !strings.Contains(string(readme), "\n"+k.Key+" = ") && !strings.Contains(string(readme), "# "+k.Key+" = ") {
			t.Errorf("README.md's configuration section lacks %s", k.Key)
		}
	}
}

func TestWriteKeysWraps(t *testing.T) {
	var b strings.Builder
	if err := WriteKeys(&b, 60); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(line, "    ") && len([]rune(line)) > 60 {
			t.Errorf("line longer than 60: %q", line)
		}
	}
	if !strings.Contains(b.String(), "delete_guard_count = 50\n") {
		t.Errorf("no delete_guard_count line in:\n%s", b.String())
	}
}
