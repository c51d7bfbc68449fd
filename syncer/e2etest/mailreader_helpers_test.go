package e2etest

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/imapdir/imapdir/maildir"
)

// flipBodyByte returns raw with one byte of the body changed: the same
// Message-ID, the same size, another text.
func flipBodyByte(t *testing.T, raw []byte) []byte {
	t.Helper()
	i := bytes.Index(raw, []byte("\n\n"))
	if i < 0 || i+3 >= len(raw) {
		t.Fatal("no body")
	}
	out := bytes.Clone(raw)
	j := i + 2
	for j < len(out) && (out[j] == '\n' || out[j] == '\r') {
		j++
	}
	if out[j] == 'Z' {
		out[j] = 'Y'
	} else {
		out[j] = 'Z'
	}
	return out
}

// mu4eMove renames e from folder from into to's cur/ under a new unique
// name, as mu4e with mu4e-change-filenames-when-moving does.
func mu4eMove(t *testing.T, from, to *maildir.Folder, e maildir.Entry, unique string) string {
	t.Helper()
	nu := maildir.Name{Unique: unique, HasInfo: true, Info: "2," + e.Flags().String()}
	dst := filepath.Join(to.Path(), maildir.SubCur, nu.String())
	mustRename(t, e.Path(from), dst)
	return dst
}
