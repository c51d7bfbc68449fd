package importer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/store"
)

func TestParseState(t *testing.T) {
	text := "FarUidValidity 1700000001\nNearUidValidity 1700000002\nMaxPulledUid 4\nMaxPushedUid 3\n\n" +
		"1 1 \n2 2 FS\n3 0 \n0 3 <RT\n"
	hdr, entries, err := parseState("s", strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if hdr["FarUidValidity"] != 1700000001 || hdr["NearUidValidity"] != 1700000002 {
		t.Errorf("header %v", hdr)
	}
	want := []Entry{
		{FarUID: 1, NearUID: 1},
		{FarUID: 2, NearUID: 2, Flags: store.NewFlags(store.Flagged, store.Seen)},
		{FarUID: 3},
		{NearUID: 3, Flags: store.NewFlags(store.Answered, store.Deleted)},
	}
	if len(entries) != len(want) {
		t.Fatalf("entries %v", entries)
	}
	for i := range want {
		if entries[i].FarUID != want[i].FarUID || entries[i].NearUID != want[i].NearUID || !entries[i].Flags.Equal(want[i].Flags) {
			t.Errorf("entry %d: %+v, want %+v", i, entries[i], want[i])
		}
	}
}

func TestParseStateRefusesBadInput(t *testing.T) {
	for _, text := range []string{
		"FarUidValidity 1\nNearUidValidity 2\n",            // truncated: no entry section
		"FarUidValidity x\n\n",                             // bad number
		"FarUidValidity 1\n\n1\n",                          // one UID
		"FarUidValidity 1\n\n1 99999999999 \n",             // UID out of range
		"FarUidValidity 1\n\n" + strings.Repeat("1", 5000), // line too long
	} {
		if _, _, err := parseState("s", strings.NewReader(text)); err == nil {
			t.Errorf("%.40q: parsed", text)
		}
	}
}

// folderFixture makes root/INBOX as mbsync leaves it: two files, state,
// .uidvalidity.
func folderFixture(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "INBOX")
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("cur/1.a.host,U=1:2,S", "Message-ID: <a@x>\n\na\n")
	write("new/2.b.host,U=2:2,", "Message-ID: <b@x>\n\nb\n")
	write(".uidvalidity", "77\n2\n")
	write(stateFile, "FarUidValidity 5\nNearUidValidity 77\n\n10 1 S\n11 2 \n")
	return root
}

func TestReadMbsync(t *testing.T) {
	root := folderFixture(t)
	fs, err := ReadMbsync(context.Background(), root, maildir.LayoutFSMUTF7, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Name != "INBOX" || fs[0].FarUIDValidity != 5 || len(fs[0].Pairs) != 2 {
		t.Fatalf("%+v", fs)
	}
	if p := fs[0].Pairs[0]; p.FarUID != 10 || p.Subdir != "cur" || p.File != "1.a.host,U=1:2,S" {
		t.Errorf("pair %+v", p)
	}
}

func TestReadMbsyncRefuses(t *testing.T) {
	for name, spoil := range map[string]func(dir string) error{
		"journal": func(dir string) error {
			return os.WriteFile(filepath.Join(dir, journalFile), []byte("4\n+ 12 3 0\n"), 0o600)
		},
		"no state": func(dir string) error { return os.Remove(filepath.Join(dir, stateFile)) },
		"uidvalidity": func(dir string) error {
			return os.WriteFile(filepath.Join(dir, uidValidityFile), []byte("78\n2\n"), 0o600)
		},
		"deleted locally": func(dir string) error { return os.Remove(filepath.Join(dir, "new", "2.b.host,U=2:2,")) },
		"duplicate U": func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "cur", "3.c.host,U=1:2,"), []byte("x\n"), 0o600)
		},
	} {
		t.Run(name, func(t *testing.T) {
			root := folderFixture(t)
			if err := spoil(filepath.Join(root, "INBOX")); err != nil {
				t.Fatal(err)
			}
			if _, err := ReadMbsync(context.Background(), root, maildir.LayoutFSMUTF7, ""); err == nil {
				t.Fatal("read")
			} else if name == "journal" && !strings.Contains(err.Error(), "run mbsync once more") {
				t.Errorf("error %v does not give the advice", err)
			}
		})
	}
}

// With "SyncState <dir>/" the state files live in one directory, named
// ":<far store>:<mailbox>_:<near store>:<mailbox>", '/' as '!'.
func TestReadMbsyncStateDir(t *testing.T) {
	root := folderFixture(t)
	stateDir := t.TempDir()
	if err := os.Rename(filepath.Join(root, "INBOX", stateFile), filepath.Join(stateDir, ":far:INBOX_:near:INBOX")); err != nil {
		t.Fatal(err)
	}
	fs, err := ReadMbsync(context.Background(), root, maildir.LayoutFSMUTF7, stateDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || len(fs[0].Pairs) != 2 {
		t.Fatalf("%+v", fs)
	}
}
