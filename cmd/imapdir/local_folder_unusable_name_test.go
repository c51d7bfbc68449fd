package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A Maildir folder holding mail whose directory name the layout does not
// give (fs: "pct%", which the layout spells "pct%25"; the hidden ".dot",
// spelled "%2Edot") is left out of the sync. README's exit codes: 3
// "partly done ... a mailbox whose name cannot be used": the run says so
// in one plain line naming the folder, and exits 3. An empty such folder
// loses nothing and is passed over silently.
func TestLocalFolderUnusableNameExits3(t *testing.T) {
	for _, dir := range []string{"pct%", ".dot"} {
		t.Run(dir, func(t *testing.T) {
			a := newAccount(t, "")
			a.run("sync").must(t, 0)
			for _, s := range []string{"cur", "new", "tmp"} {
				os.MkdirAll(filepath.Join(a.maildir, dir, s), 0o700)
			}
			if r := a.run("sync"); r.code != 0 {
				t.Errorf("empty folder %s: exit %d, want 0\n%s%s", dir, r.code, r.stdout, r.stderr)
			}
			os.WriteFile(filepath.Join(a.maildir, dir, "cur", "1.l:2,S"), message("in "+dir), 0o600)
			r := a.run("sync")
			if r.code != 3 {
				t.Errorf("exit %d, want 3 (a folder with mail was skipped)\n%s%s", r.code, r.stdout, r.stderr)
			}
			if strings.Contains(r.stderr, "level=") || strings.Contains(r.stderr, "msg=") {
				t.Errorf("the warning is a raw Go log record:\n%s", r.stderr)
			}
			if !strings.Contains(r.stdout+r.stderr, dir+": mailbox skipped") {
				t.Errorf("no line names folder %s:\n%s%s", dir, r.stdout, r.stderr)
			}
			t.Logf("%s%s", r.stdout, r.stderr)
		})
	}
}
