package importer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/internal/importer/testdata/copimapgen"
	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/store"
)

// copimapFixture writes root/Archive.2024 as copimap leaves it: three
// messages, the second seen.
func copimapFixture(t *testing.T) (root string, f copimapgen.Folder, names []string) {
	t.Helper()
	root = t.TempDir()
	date := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	f = copimapgen.Folder{Dir: filepath.Join(root, "Archive.2024"), UIDValidity: 1700000005, UIDNext: 13, HighestModSeq: 9}
	for i, id := range []string{"a", "b", "c"} {
		m := copimapgen.Message{UID: uint32(10 + i), Raw: []byte("Message-ID: <" + id + "@x>\n\n" + id + "\n"),
			MessageID: "<" + id + "@x>", InternalDate: date}
		if i == 1 {
			m.Flags, m.Labels = []string{`\Seen`}, []string{"Work"}
		}
		f.Messages = append(f.Messages, m)
	}
	g := &copimapgen.Gen{Host: "host", Clock: date}
	names, err := g.Write(f)
	if err != nil {
		t.Fatal(err)
	}
	return root, f, names
}

func TestReadCopimap(t *testing.T) {
	root, f, names := copimapFixture(t)
	// Read here since copimap's last run: the file is renamed, the
	// database still says unseen.
	old := filepath.Join(f.Dir, names[2])
	if err := os.Rename(old, filepath.Join(f.Dir, "cur", filepath.Base(old)+":2,S")); err != nil {
		t.Fatal(err)
	}
	fs, err := ReadCopimap(context.Background(), root, maildir.LayoutDotsMUTF7)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Name != "Archive/2024" || fs[0].FarUIDValidity != 1700000005 || len(fs[0].Pairs) != 3 || fs[0].Unknown != 0 {
		t.Fatalf("%+v", fs)
	}
	p := fs[0].Pairs
	if p[0].FarUID != 10 || p[0].Subdir != "new" || len(p[0].Flags) != 0 {
		t.Errorf("pair 0: %+v", p[0])
	}
	if p[1].FarUID != 11 || p[1].Subdir != "cur" || !p[1].Flags.Equal(store.NewFlags(store.Seen)) || len(p[1].Labels) != 1 || p[1].Labels[0] != "Work" {
		t.Errorf("pair 1: %+v", p[1])
	}
	// Renamed since: the database's (server's) flags are the agreed ones,
	// so the first sync pushes the local \Seen.
	if p[2].FarUID != 12 || p[2].Subdir != "cur" || len(p[2].Flags) != 0 {
		t.Errorf("pair 2: %+v", p[2])
	}
}

func TestReadCopimapRefuses(t *testing.T) {
	for name, spoil := range map[string]func(f copimapgen.Folder, names []string) error{
		"no database": func(f copimapgen.Folder, _ []string) error { return os.Remove(filepath.Join(f.Dir, copimapDB)) },
		"deleted locally": func(f copimapgen.Folder, names []string) error {
			return os.Remove(filepath.Join(f.Dir, names[0]))
		},
		"renamed to another unique name": func(f copimapgen.Folder, names []string) error {
			return os.Rename(filepath.Join(f.Dir, names[0]), filepath.Join(f.Dir, strings.Replace(names[0], "U=10.", "U=11.", 1)))
		},
	} {
		t.Run(name, func(t *testing.T) {
			root, f, names := copimapFixture(t)
			if err := spoil(f, names); err != nil {
				t.Fatal(err)
			}
			if _, err := ReadCopimap(context.Background(), root, maildir.LayoutDotsMUTF7); err == nil {
				t.Fatal("read")
			}
		})
	}
}

// TestVerifyRefusesSharedUniqueNames: two folders holding files with one
// unique name are refused before anything is asked of the server: the
// Maildir store would rename one of them.
func TestVerifyRefusesSharedUniqueNames(t *testing.T) {
	root, f, names := copimapFixture(t)
	other := filepath.Join(root, "Sent")
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(other, sub), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(other, names[0]), f.Messages[0].Raw, 0o600); err != nil {
		t.Fatal(err)
	}
	folders := []Folder{{Name: "Archive/2024", Dir: f.Dir}, {Name: "Sent", Dir: other}}
	_, err := Verify(context.Background(), folders, maildir.LayoutFS, nil, nil, 0)
	if err == nil || !strings.Contains(err.Error(), "one unique name") {
		t.Fatalf("Verify: %v", err)
	}
}
