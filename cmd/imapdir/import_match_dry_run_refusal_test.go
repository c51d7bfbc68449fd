package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// "imapdir --dry-run import match" says what the real import does: with
// a local file that stays unpaired, the real import refuses (exit 1,
// nothing written) unless --unpaired upload is given, and so does the dry
// run, listing the unpaired by folder.
func TestImportMatchDryRunReportsRefusal(t *testing.T) {
	a := newAccount(t, "")
	for i := 0; i < 4; i++ {
		a.srv.SaveMessage(t, a.user.Name, "INBOX", message(fmt.Sprintf("m %d", i)))
	}
	for _, s := range []string{"cur", "new", "tmp"} {
		os.MkdirAll(filepath.Join(a.maildir, "INBOX", s), 0o700)
	}
	for i := 0; i < 4; i++ {
		os.WriteFile(filepath.Join(a.maildir, "INBOX", "cur", fmt.Sprintf("100%d.host:2,S", i)), message(fmt.Sprintf("m %d", i)), 0o600)
	}
	os.WriteFile(filepath.Join(a.maildir, "INBOX", "new", "3000.host"), message("extra local"), 0o600)

	dry := a.run("--dry-run", "import", "match", "work", "--from", a.maildir)
	real := a.run("import", "match", "work", "--from", a.maildir)
	if real.code == 0 {
		t.Skip("the real import no longer refuses")
	}
	if dry.code != real.code {
		t.Errorf("dry run exits %d, the real import %d\ndry stdout:\n%s\ndry stderr:\n%s\nreal stderr:\n%s", dry.code, real.code, dry.stdout, dry.stderr, real.stderr)
	}
	if !strings.Contains(dry.stdout+dry.stderr, "--unpaired upload") {
		t.Errorf("dry run does not say the import needs --unpaired upload:\n%s%s", dry.stdout, dry.stderr)
	}
	if !strings.Contains(dry.stdout, "work: INBOX: unpaired: 1 local files, 0 server messages") {
		t.Errorf("dry run does not list the unpaired by folder:\n%s", dry.stdout)
	}
	if strings.Contains(dry.stdout, "would adopt") {
		t.Errorf("dry run says it would adopt what the import refuses:\n%s", dry.stdout)
	}
}
