package maildir

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestScan(t *testing.T) {
	ctx := context.Background()
	f := newTestFolder(t)
	when := time.Date(2023, 1, 2, 3, 4, 5, 0, time.UTC)
	a, _ := f.Deliver(ctx, strings.NewReader("aaa"), DeliverOptions{New: true, ModTime: when})
	b, _ := f.Deliver(ctx, strings.NewReader("bbbb"), DeliverOptions{Flags: ParseFlags("S"), SizeInName: true})
	os.WriteFile(filepath.Join(f.Path(), SubCur, ".hidden"), nil, 0o600)
	os.Mkdir(filepath.Join(f.Path(), SubCur, "dir"), 0o700)

	got, err := f.Scan(ctx, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(got, func(i, j int) bool { return got[i].Subdir > got[j].Subdir })
	if len(got) != 2 || got[0].File != a.File || got[0].Subdir != SubNew || got[0].Size != -1 ||
		got[1].File != b.File || got[1].Size != 4 || got[1].Flags().String() != "S" || !got[1].ModTime.IsZero() {
		t.Fatalf("Scan = %+v", got)
	}
	got, err = f.Scan(ctx, ScanOptions{Stat: true})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(got, func(i, j int) bool { return got[i].Subdir > got[j].Subdir })
	if got[0].Size != 3 || !got[0].ModTime.Equal(when) || got[1].Size != 4 {
		t.Fatalf("Scan with stat = %+v", got)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := f.Scan(cctx, ScanOptions{}); err == nil {
		t.Fatal("Scan ignored a canceled context")
	}
}

func TestKeywordsFile(t *testing.T) {
	f := newTestFolder(t)
	k, err := f.ReadKeywords()
	if err != nil {
		t.Fatal(err)
	}
	if c, err := k.Add("$Label1"); err != nil || c != 'a' {
		t.Fatalf("Add = %c %v", c, err)
	}
	if c, _ := k.Add("Junk"); c != 'b' {
		t.Fatalf("second letter %c", c)
	}
	if c, _ := k.Add("$Label1"); c != 'a' {
		t.Fatalf("re-Add gave %c", c)
	}
	if _, err := k.Add("bad name"); err == nil {
		t.Fatal("keyword with a space accepted")
	}
	if err := f.WriteKeywords(k); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(f.Path(), KeywordsFile))
	if string(data) != "0 $Label1\n1 Junk\n" {
		t.Fatalf("file = %q", data)
	}
	// Dovecot's format with gaps and junk lines.
	os.WriteFile(filepath.Join(f.Path(), KeywordsFile), []byte("0 $Label1\r\n3 NonJunk\nx y\n30 far\n7\n"), 0o600)
	k, err = f.ReadKeywords()
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := k.Name('d'); !ok || n != "NonJunk" {
		t.Fatalf("Name(d) = %q %v", n, ok)
	}
	if _, ok := k.Name('b'); ok {
		t.Fatal("Name(b) set")
	}
	if c, ok := k.Letter("$Label1"); !ok || c != 'a' {
		t.Fatalf("Letter = %c %v", c, ok)
	}
	for i := 0; i < MaxKeywords; i++ {
		k.Add("kw" + strconv.Itoa(i))
	}
	if _, err := k.Add("onemore"); err == nil {
		t.Fatal("27th keyword accepted")
	}
}

// BenchmarkScan100k scans a folder of 100 000 files (or the folder named
// by $MAILDIR_BENCH_DIR, as bench/maildir-scan.sh does, to compare with
// find(1) on the very same directory).
func BenchmarkScan100k(b *testing.B) {
	dir := os.Getenv("MAILDIR_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(b.TempDir(), "box")
		if err := MakeBenchFolder(dir, 100000); err != nil {
			b.Fatal(err)
		}
	}
	f, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for b.Loop() {
		ents, err := f.Scan(context.Background(), ScanOptions{})
		if err != nil {
			b.Fatal(err)
		}
		n = len(ents)
	}
	b.ReportMetric(float64(n), "files")
}

// MakeBenchFolder fills a new folder with n empty messages, 90 % in cur/
// with Dovecot-style names, 10 % in new/.
func MakeBenchFolder(dir string, n int) error {
	f, err := Create(dir)
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("%d.M%dP1234.bench,S=%d,W=%d:2,S", 1700000000+i, i, i, i+10)
		sub := SubCur
		if i%10 == 0 {
			sub, name = SubNew, fmt.Sprintf("%d.M%dP1234.bench", 1700000000+i, i)
		}
		if err := os.WriteFile(filepath.Join(f.Path(), sub, name), nil, 0o600); err != nil {
			return err
		}
	}
	return nil
}

func TestOpenEntry(t *testing.T) {
	ctx := context.Background()
	f := newTestFolder(t)
	e, _ := f.Deliver(ctx, strings.NewReader("msg"), DeliverOptions{})
	file, err := f.OpenEntry(e)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	if _, err := f.OpenEntry(Entry{Subdir: SubCur, File: "gone"}); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := f.OpenEntry(Entry{Subdir: SubTmp, File: "x"}); err == nil {
		t.Fatal("tmp/ entry accepted")
	}
}
