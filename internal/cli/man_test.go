package cli

import (
	"os"
	"strings"
	"testing"
)

// docs/imapdir.1 is what `imapdir man` prints: regenerate it with
// `go run ./cmd/imapdir man > docs/imapdir.1` when a command, flag or key
// changes.
func TestManPageIsCurrent(t *testing.T) {
	w := newWorld(t)
	code, out, errOut := w.run("man")
	if code != ExitOK {
		t.Fatalf("imapdir man: exit %d: %s", code, errOut)
	}
	for _, want := range []string{".TH IMAPDIR 1", ".SS imapdir sync", "\\-n, \\-\\-dry\\-run", ".B delete_guard_count = 50", ".B 130"} {
		if !strings.Contains(out, want) {
			t.Errorf("the manual page lacks %q", want)
		}
	}
	have, err := os.ReadFile("../../docs/imapdir.1")
	if err != nil {
		t.Fatal(err)
	}
	if string(have) != out {
		t.Errorf("docs/imapdir.1 is stale: run go run ./cmd/imapdir man > docs/imapdir.1")
	}
}

func TestHelpConfigListsEveryKey(t *testing.T) {
	w := newWorld(t)
	code, out, _ := w.run("help", "config")
	if code != ExitOK || !strings.Contains(out, "delete_guard_percent = 25") || !strings.Contains(out, "[defaults]") {
		t.Errorf("imapdir help config: exit %d\n%s", code, out)
	}
}
