package importer

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/store"
)

func TestParseOfflineIMAPPlain(t *testing.T) {
	v2 := offlineimapMagic + "2\n1|S|0|\n7|FRS|1700000000|Work, Important\n"
	es, err := parseOfflineIMAPPlain("s", strings.NewReader(v2))
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[1].FarUID != 7 || es[1].NearUID != 7 || !slices.Equal(es[1].Labels, []string{"Work", "Important"}) ||
		!es[1].Flags.Equal(store.NewFlags(store.Flagged, store.Answered, store.Seen)) {
		t.Fatalf("format 2: %+v", es)
	}
	v1 := offlineimapMagic + "1\n3:S\n4:\n"
	es, err = parseOfflineIMAPPlain("s", strings.NewReader(v1))
	if err != nil || len(es) != 2 || es[0].FarUID != 3 || !es[0].Flags.Equal(store.NewFlags(store.Seen)) {
		t.Fatalf("format 1: %+v, %v", es, err)
	}
	for _, bad := range []string{
		"",
		"OFFLINEIMAP LocalStatus CACHE DATA - DO NOT MODIFY - FORMAT 3\n",
		offlineimapMagic + "2\n1|S|0\n",           // a field short
		offlineimapMagic + "2\nx|S|0|\n",          // bad UID
		offlineimapMagic + "2\n0|S|0|\n",          // UID 0
		offlineimapMagic + "2\n4294967296|S|0|\n", // UID out of range
		offlineimapMagic + "1\n" + strings.Repeat("1", 5000),
	} {
		if _, err := parseOfflineIMAPPlain("s", strings.NewReader(bad)); err == nil {
			t.Errorf("%.40q: parsed", bad)
		}
	}
}

// offlineimapFixture makes root/Archive.2024 as OfflineIMAP (sep ".")
// leaves it, with a text LocalStatus and FolderValidity files in meta;
// it returns root and meta.
func offlineimapFixture(t *testing.T) (root, meta string) {
	t.Helper()
	root, meta = t.TempDir(), t.TempDir()
	dir := filepath.Join(root, "Archive.2024")
	sum := md5.Sum([]byte("Archive.2024"))
	fmd5 := hex.EncodeToString(sum[:])
	write := func(path, text string) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(filepath.Join(dir, "tmp"), 0o700)
	write(filepath.Join(dir, "cur", "1700000000_0.1.host,U=10,FMD5="+fmd5+":2,S"), "Message-ID: <a@x>\n\na\n")
	write(filepath.Join(dir, "new", "1700000000_1.1.host,U=11,FMD5="+fmd5+":2,"), "Message-ID: <b@x>\n\nb\n")
	write(filepath.Join(dir, "new", "1700000000_2.1.host,U=12,FMD5=0123:2,"), "Message-ID: <c@x>\n\nc\n") // copied from elsewhere
	write(filepath.Join(dir, "new", "1700000001.local.host"), "Message-ID: <d@x>\n\nd\n")                 // new here
	write(filepath.Join(meta, "Account-work", "LocalStatus", "Archive.2024"), offlineimapMagic+"2\n10|S|0|\n11||0|\n")
	write(filepath.Join(meta, "Repository-remote", "FolderValidity", "Archive.2024"), "1700000005\n")
	write(filepath.Join(meta, "Repository-local", "FolderValidity", "Archive.2024"), "42\n")
	return root, meta
}

func TestReadOfflineIMAP(t *testing.T) {
	root, meta := offlineimapFixture(t)
	fs, err := ReadOfflineIMAP(context.Background(), root, maildir.LayoutDotsMUTF7, meta)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Name != "Archive/2024" || fs[0].FarUIDValidity != 1700000005 || len(fs[0].Pairs) != 2 || fs[0].Unknown != 2 {
		t.Fatalf("%+v", fs)
	}
	if p := fs[0].Pairs[0]; p.FarUID != 10 || p.Subdir != "cur" || !p.Flags.Equal(store.NewFlags(store.Seen)) {
		t.Errorf("pair %+v", p)
	}
	// The Account-NAME directory itself works too.
	if _, err := ReadOfflineIMAP(context.Background(), root, maildir.LayoutDotsMUTF7, filepath.Join(meta, "Account-work")); err != nil {
		t.Error(err)
	}
}

func TestReadOfflineIMAPRefuses(t *testing.T) {
	for name, spoil := range map[string]func(root, meta string) error{
		"deleted locally": func(root, meta string) error {
			return os.Remove(filepath.Join(root, "Archive.2024", "cur", "1700000000_0.1.host,U=10,FMD5="+
				md5hex("Archive.2024")+":2,S"))
		},
		"no status": func(root, meta string) error {
			return os.Remove(filepath.Join(meta, "Account-work", "LocalStatus", "Archive.2024"))
		},
		"no validity": func(root, meta string) error {
			return errors.Join(os.RemoveAll(filepath.Join(meta, "Repository-remote")), os.RemoveAll(filepath.Join(meta, "Repository-local")))
		},
		"two accounts": func(root, meta string) error { return os.Mkdir(filepath.Join(meta, "Account-other"), 0o700) },
		"duplicate U": func(root, meta string) error {
			return os.WriteFile(filepath.Join(root, "Archive.2024", "cur", "1700000003_0.1.host,U=10,FMD5="+md5hex("Archive.2024")+":2,"), []byte("x\n"), 0o600)
		},
		"two remotes": func(root, meta string) error {
			return os.WriteFile(filepath.Join(meta, "Repository-local", "FolderValidity", "Archive.2024"), []byte("7\n"), 0o600)
		},
	} {
		t.Run(name, func(t *testing.T) {
			root, meta := offlineimapFixture(t)
			if err := spoil(root, meta); err != nil {
				t.Fatal(err)
			}
			if _, err := ReadOfflineIMAP(context.Background(), root, maildir.LayoutDotsMUTF7, meta); err == nil {
				t.Fatal("read")
			}
		})
	}
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}
