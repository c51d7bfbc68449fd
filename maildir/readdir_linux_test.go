//go:build linux

package maildir

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseDirentsRejectsGarbage(t *testing.T) {
	rec := make([]byte, 24)
	binary.NativeEndian.PutUint16(rec[direntReclen:], 24)
	rec[direntType] = unix.DT_REG
	copy(rec[direntName:], "ab\x00")
	var got []string
	if err := parseDirents("d", rec, func(n string, _ uint64) { got = append(got, n) }); err != nil || len(got) != 1 || got[0] != "ab" {
		t.Fatalf("good record: %q %v", got, err)
	}
	binary.NativeEndian.PutUint16(rec[direntReclen:], 200)
	if err := parseDirents("d", rec, func(string, uint64) {}); err == nil {
		t.Fatal("record longer than the buffer accepted")
	}
	if err := parseDirents("d", rec[:10], func(string, uint64) {}); err == nil {
		t.Fatal("short record accepted")
	}
}

func TestReadDirNames(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a", "b:2,S", ".hidden"} {
		os.WriteFile(filepath.Join(dir, n), nil, 0o600)
	}
	os.Mkdir(filepath.Join(dir, "sub"), 0o700)
	var got []string
	if err := readDirNames(context.Background(), dir, func(n string, _ uint64) { got = append(got, n) }); err != nil {
		t.Fatal(err)
	}
	sort.Strings(got)
	if len(got) != 3 || got[0] != ".hidden" || got[1] != "a" || got[2] != "b:2,S" {
		t.Fatalf("names %q", got)
	}
	if err := readDirNames(context.Background(), filepath.Join(dir, "missing"), func(string, uint64) {}); !os.IsNotExist(err) {
		t.Fatalf("missing dir: %v", err)
	}
}
