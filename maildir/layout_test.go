package maildir

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLayoutPaths(t *testing.T) {
	root := "/m"
	tests := []struct {
		layout     Layout
		name, path string
	}{
		{LayoutFS, "INBOX", "/m/INBOX"},
		{LayoutFS, "inbox", "/m/INBOX"},
		{LayoutFS, "Archive/2024", "/m/Archive/2024"},
		{LayoutFS, "a.b/.hidden", "/m/a.b/%2Ehidden"},
		{LayoutFS, "Projects/cur", "/m/Projects/%63ur"},
		{LayoutFS, "NEW", "/m/%4EEW"},
		{LayoutFS, "100%/ok", "/m/100%25/ok"},
		{LayoutFS, "Entwürfe/Ärger", "/m/Entwürfe/Ärger"},
		{LayoutFS, "nul\x00tab\t", "/m/nul%00tab%09"},
		{LayoutFS, "..", "/m/%2E."},
		{LayoutMaildirPP, "INBOX", "/m"},
		{LayoutMaildirPP, "Inbox", "/m"},
		{LayoutMaildirPP, "INBOX/sub", "/m/.INBOX.sub"},
		{LayoutMaildirPP, "Archive/2024", "/m/.Archive.2024"},
		{LayoutMaildirPP, "a.b/c", "/m/.a%2Eb.c"},
		{LayoutMaildirPP, "cur", "/m/.cur"},
		{LayoutMaildirPP, "送信済み", "/m/.送信済み"},
		{LayoutMaildirPP, "%", "/m/.%25"},
		{LayoutFSMUTF7, "Entwürfe/Ärger", "/m/Entw&APw-rfe/&AMQ-rger"},
		{LayoutFSMUTF7, "INBOX", "/m/INBOX"},
		{LayoutFSMUTF7, "a&b", "/m/a&-b"},
		{LayoutFSMUTF7, "Projects/cur", "/m/Projects/%63ur"},
		{LayoutMaildirPPMUTF7, "INBOX", "/m"},
		{LayoutMaildirPPMUTF7, "送信済み/2024", "/m/.&kAFP4W4IMH8-.2024"},
		{LayoutDots, "INBOX", "/m/INBOX"},
		{LayoutDots, "Archive/2024", "/m/Archive.2024"},
		{LayoutDots, "a.b/c", "/m/a%2Eb.c"},
		{LayoutDots, ".hidden", "/m/%2Ehidden"},
		{LayoutDots, "cur", "/m/cur"},
		{LayoutDotsMUTF7, "Entwürfe/2024", "/m/Entw&APw-rfe.2024"},
		{LayoutDotsMUTF7, "INBOX/sub", "/m/INBOX.sub"},
		{LayoutLegacyMUTF7, "INBOX", "/m/INBOX"},
		{LayoutLegacyMUTF7, "Archive/2024/Q1", "/m/Archive/.2024/.Q1"},
		{LayoutLegacyMUTF7, "Entwürfe/.x", "/m/Entw&APw-rfe/.%2Ex"},
		{LayoutLegacyMUTF7, "a/cur", "/m/a/.%63ur"},
	}
	for _, tt := range tests {
		got, err := tt.layout.Path(root, tt.name)
		if err != nil || got != tt.path {
			t.Errorf("%v Path(%q) = %q, %v; want %q", tt.layout, tt.name, got, err, tt.path)
			continue
		}
		back, err := tt.layout.Name(root, got)
		want, _ := CanonicalName(tt.name)
		if err != nil || back != want {
			t.Errorf("%v Name(%q) = %q, %v; want %q", tt.layout, got, back, err, want)
		}
	}
}

// A directory whose name is not valid modified UTF-7 has no mailbox name
// in the -mutf7 layouts (Unmapped in List), and the layouts parse by name.
func TestLayoutMUTF7Rejects(t *testing.T) {
	for _, dir := range []string{"/m/a&b", "/m/&AMQ", "/m/Entwürfe"} {
		if name, err := LayoutFSMUTF7.Name("/m", dir); err == nil {
			t.Errorf("Name(%q) = %q", dir, name)
		}
	}
	for _, l := range []Layout{LayoutFS, LayoutMaildirPP, LayoutFSMUTF7, LayoutMaildirPPMUTF7} {
		if got, err := ParseLayout(l.String()); err != nil || got != l {
			t.Errorf("ParseLayout(%q) = %v, %v", l, got, err)
		}
	}
}

func TestLayoutRejects(t *testing.T) {
	for _, l := range []Layout{LayoutFS, LayoutMaildirPP, LayoutDots} {
		for _, name := range []string{"", "/a", "a/", "a//b", "bad\xffutf8"} {
			if p, err := l.Path("/m", name); err == nil {
				t.Errorf("%v Path(%q) = %q, want an error", l, name, p)
			}
		}
	}
	bad := []struct {
		layout Layout
		dir    string
	}{
		{LayoutFS, "/m/inbox"},       // not canonical: INBOX is upper case
		{LayoutFS, "/m/a%zz"},        // bad escape
		{LayoutFS, "/m/a%2e"},        // lower-case hex is not what Path writes
		{LayoutFS, "/m/x/.hid"},      // hidden, Path would escape
		{LayoutFS, "/other/x"},       // not under root
		{LayoutFS, "/m"},             // root is no mailbox in fs
		{LayoutMaildirPP, "/m/x"},    // no leading dot
		{LayoutMaildirPP, "/m/.a/b"}, // nested
		{LayoutMaildirPP, "/m/.a..b"},
		{LayoutDots, "/m"},            // the root is no mailbox in dots
		{LayoutDots, "/m/.a"},         // a leading dot
		{LayoutDots, "/m/a/b"},        // nested
		{LayoutDots, "/m/inbox"},      // not canonical
		{LayoutLegacyMUTF7, "/m/a/b"}, // a subfolder without its dot
		{LayoutLegacyMUTF7, "/m/.a"},  // a top folder with one
		{LayoutLegacyMUTF7, "/m/a/.b/c"},
	}
	for _, tt := range bad {
		if n, err := tt.layout.Name("/m", tt.dir); err == nil {
			t.Errorf("%v Name(%q) = %q, want an error", tt.layout, tt.dir, n)
		}
	}
	if _, err := ParseLayout("mh"); err == nil {
		t.Error("ParseLayout(mh) accepted")
	}
	for _, s := range []string{"fs", "maildir++", "dots", "dots-mutf7", "legacy-mutf7"} {
		if l, err := ParseLayout(s); err != nil || l.String() != s {
			t.Errorf("ParseLayout(%q) = %v, %v", s, l, err)
		}
	}
	if _, err := Layout(0).Path("/m", "x"); err == nil {
		t.Error("zero Layout accepted")
	}
}

func TestLayoutList(t *testing.T) {
	names := []string{"INBOX", "Archive/2024", "Archive/2024/Q1", "Sent.old", "cur", "Ärger"}
	for _, l := range []Layout{LayoutFS, LayoutMaildirPP, LayoutDots, LayoutLegacyMUTF7} {
		root := t.TempDir()
		for _, n := range names {
			if _, err := l.Create(root, n); err != nil {
				t.Fatal(err)
			}
		}
		// A non-folder directory, a hidden one, and a folder no name maps to.
		os.MkdirAll(filepath.Join(root, ".notmuch", "xapian"), 0o700)
		os.MkdirAll(filepath.Join(root, "plain"), 0o700)
		odd := filepath.Join(root, ".a%zz")
		if l != LayoutMaildirPP {
			odd = filepath.Join(root, "a%zz")
		}
		if _, err := Create(odd); err != nil {
			t.Fatal(err)
		}
		lst, err := l.List(context.Background(), root)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"Archive/2024", "Archive/2024/Q1", "INBOX", "Sent.old", "cur", "Ärger"}
		if !reflect.DeepEqual(lst.Names, want) {
			t.Errorf("%v List = %q, want %q", l, lst.Names, want)
		}
		if !reflect.DeepEqual(lst.Unmapped, []string{odd}) {
			t.Errorf("%v Unmapped = %q", l, lst.Unmapped)
		}
		if l == LayoutMaildirPP {
			if _, err := os.Stat(filepath.Join(root, ".Archive.2024", MaildirFolderFile)); err != nil {
				t.Errorf("maildirfolder marker: %v", err)
			}
		}
		if _, err := l.Open(root, "Archive/2024"); err != nil {
			t.Error(err)
		}
	}
}

// TestLayoutSlashInComponent: a component holding '/' (a server mailbox
// "a/b" under a '.' delimiter) maps reversibly through the Parts API.
func TestLayoutSlashInComponent(t *testing.T) {
	for _, l := range []Layout{LayoutFS, LayoutMaildirPP, LayoutDots} {
		root := t.TempDir()
		parts := []string{"Work", "a/b"}
		f, err := l.CreateParts(root, parts)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(f.Path(), "a%2Fb") {
			t.Errorf("%v: path %q does not escape '/'", l, f.Path())
		}
		got, err := l.Parts(root, f.Path())
		if err != nil || !reflect.DeepEqual(got, parts) {
			t.Errorf("%v: Parts = %q, %v", l, got, err)
		}
		if n, err := l.Name(root, f.Path()); err == nil {
			t.Errorf("%v: Name of a component with '/' = %q, want an error", l, n)
		}
		lst, err := l.List(context.Background(), root)
		if err != nil || len(lst.Parts) != 1 || !reflect.DeepEqual(lst.Parts[0], parts) {
			t.Errorf("%v: List parts = %q, %v", l, lst.Parts, err)
		}
		if _, err := CanonicalParts(nil); err == nil {
			t.Error("empty parts accepted")
		}
	}
}
