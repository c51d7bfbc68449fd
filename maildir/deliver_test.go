package maildir

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const testMsg = "From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n"

func newTestFolder(t *testing.T, opts ...Option) *Folder {
	t.Helper()
	f, err := Create(filepath.Join(t.TempDir(), "box"), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// dirFiles lists the file names in f's subdirectory.
func dirFiles(t *testing.T, f *Folder, sub string) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(f.Path(), sub))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func TestCreateOpenValidate(t *testing.T) {
	root := t.TempDir()
	if _, err := Open(root); !errors.Is(err, ErrNotMaildir) {
		t.Fatalf("Open of a plain dir: %v, want ErrNotMaildir", err)
	}
	f, err := Create(filepath.Join(root, "a", "b"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Create(f.Path()); err != nil {
		t.Fatalf("Create of an existing folder: %v", err)
	}
	if _, err := Open(f.Path()); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(f.Path(), SubNew))
	os.WriteFile(filepath.Join(f.Path(), SubNew), nil, 0o600)
	if err := Validate(f.Path()); !errors.Is(err, ErrNotMaildir) {
		t.Fatalf("Validate with new/ a file: %v", err)
	}
}

func TestDeliver(t *testing.T) {
	f := newTestFolder(t)
	when := time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC)
	e, err := f.Deliver(context.Background(), strings.NewReader(testMsg),
		DeliverOptions{Flags: ParseFlags("SF"), ModTime: when, ToLF: true, SizeInName: true, VirtualSizeInName: true})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.ReplaceAll(testMsg, "\r\n", "\n")
	data, err := os.ReadFile(e.Path(f))
	if err != nil || string(data) != want {
		t.Fatalf("file = %q, %v; want %q", data, err, want)
	}
	if e.Subdir != SubCur || e.Flags().String() != "FS" || e.Size != int64(len(want)) {
		t.Fatalf("entry %+v", e)
	}
	if s, _ := e.Name.Size(); s != int64(len(want)) {
		t.Fatalf(",S= is %d", s)
	}
	if w, _ := e.Name.VirtualSize(); w != int64(len(testMsg)) {
		t.Fatalf(",W= is %d, want the CRLF size %d", w, len(testMsg))
	}
	st, _ := os.Stat(e.Path(f))
	if !st.ModTime().Equal(when) || st.Mode().Perm() != 0o600 {
		t.Fatalf("mtime %v mode %v", st.ModTime(), st.Mode())
	}
	if got := dirFiles(t, f, SubTmp); len(got) != 0 {
		t.Fatalf("tmp/ not empty: %v", got)
	}
	ne, err := f.Deliver(context.Background(), strings.NewReader(testMsg), DeliverOptions{New: true})
	if err != nil || ne.Subdir != SubNew || ne.Name.HasInfo {
		t.Fatalf("new/ delivery: %+v %v", ne, err)
	}
	fe, err := f.Deliver(context.Background(), strings.NewReader(testMsg), DeliverOptions{New: true, Flags: ParseFlags("F")})
	if err != nil || fe.Subdir != SubNew || fe.Flags().String() != "F" {
		t.Fatalf("new/ delivery with flags: %+v %v, want new/ with info 2,F", fe, err)
	}
}

// failingReader fails after some bytes.
type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("connection reset")
	}
	m := min(len(p), r.n)
	for i := range p[:m] {
		p[i] = 'x'
	}
	r.n -= m
	return m, nil
}

func TestDeliverErrorCleansUp(t *testing.T) {
	f := newTestFolder(t)
	if _, err := f.Deliver(context.Background(), &failingReader{n: 100000}, DeliverOptions{}); err == nil {
		t.Fatal("no error from a failing reader")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.Deliver(ctx, strings.NewReader(testMsg), DeliverOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled delivery: %v", err)
	}
	for _, sub := range []string{SubTmp, SubNew, SubCur} {
		if got := dirFiles(t, f, sub); len(got) != 0 {
			t.Fatalf("%s/ not empty after failed deliveries: %v", sub, got)
		}
	}
}

var errCrash = errors.New("simulated crash")

// crashAt returns a hook that fails at step s.
func crashAt(s Step) StepHook {
	return func(got Step, _ string) error {
		if got == s {
			return errCrash
		}
		return nil
	}
}

// checkAfterCrash: nothing partial in new/ or cur/ (a file there is the
// whole message), and a stale tmp/ file is cleaned by the next Open.
func checkAfterCrash(t *testing.T, f *Folder, s Step, content string) {
	t.Helper()
	for _, sub := range []string{SubNew, SubCur} {
		for _, n := range dirFiles(t, f, sub) {
			data, err := os.ReadFile(filepath.Join(f.Path(), sub, n))
			if err != nil || string(data) != content {
				t.Fatalf("crash at %v: partial file %s/%s: %q", s, sub, n, data)
			}
		}
	}
	inPlace := len(dirFiles(t, f, SubCur))
	if (s >= StepRenamed) != (inPlace == 1) {
		t.Fatalf("crash at %v: %d files in cur/", s, inPlace)
	}
	tmp := dirFiles(t, f, SubTmp)
	if (s < StepRenamed) != (len(tmp) == 1) {
		t.Fatalf("crash at %v: tmp/ holds %v", s, tmp)
	}
	// A fresh tmp file survives Open; 37 hours later it is removed.
	if _, err := Open(f.Path()); err != nil {
		t.Fatal(err)
	}
	if len(dirFiles(t, f, SubTmp)) != len(tmp) {
		t.Fatalf("crash at %v: Open removed a fresh tmp file", s)
	}
	later := func() time.Time { return time.Now().Add(StaleTmpAge + time.Hour) }
	if _, err := Open(f.Path(), WithClock(later)); err != nil {
		t.Fatal(err)
	}
	if got := dirFiles(t, f, SubTmp); len(got) != 0 {
		t.Fatalf("crash at %v: stale tmp not removed: %v", s, got)
	}
}

func TestDeliverCrashEachStep(t *testing.T) {
	for s := StepWritten; s <= StepDirSynced; s++ {
		t.Run(s.String(), func(t *testing.T) {
			f := newTestFolder(t, WithStepHook(crashAt(s)))
			_, err := f.Deliver(context.Background(), strings.NewReader(testMsg), DeliverOptions{})
			if !errors.Is(err, errCrash) {
				t.Fatalf("Deliver error %v, want the simulated crash", err)
			}
			checkAfterCrash(t, f, s, testMsg)
		})
	}
}

func TestBatchCrashEachStep(t *testing.T) {
	for _, syncfs := range []bool{false, true} {
		for s := StepWritten; s <= StepDirSynced; s++ {
			t.Run(s.String(), func(t *testing.T) {
				f := newTestFolder(t, WithStepHook(crashAt(s)))
				b := NewBatch(BatchOptions{SyncFS: syncfs})
				_, err := b.Deliver(context.Background(), f, strings.NewReader(testMsg), DeliverOptions{})
				if err == nil {
					err = b.Commit(context.Background())
				}
				if !errors.Is(err, errCrash) {
					t.Fatalf("batch error %v, want the simulated crash", err)
				}
				checkAfterCrash(t, f, s, testMsg)
			})
		}
	}
}

func TestBatchCommit(t *testing.T) {
	ctx := context.Background()
	f1, f2 := newTestFolder(t), newTestFolder(t)
	b := NewBatch(BatchOptions{SyncFS: true})
	var entries []Entry
	for i := 0; i < 10; i++ {
		f := []*Folder{f1, f2}[i%2]
		e, err := b.Deliver(ctx, f, strings.NewReader(testMsg), DeliverOptions{Flags: ParseFlags("S")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(e.Path(f)); !errors.Is(err, fs.ErrNotExist) {
			t.Fatal("batched message visible before Commit")
		}
		entries = append(entries, e)
	}
	if b.Len() != 10 {
		t.Fatalf("Len = %d", b.Len())
	}
	if err := b.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	for i, e := range entries {
		if _, err := os.Stat(e.Path([]*Folder{f1, f2}[i%2])); err != nil {
			t.Fatalf("after Commit: %v", err)
		}
	}
	// Flag change and removal through a batch; then Abort drops staged mail.
	ne, err := b.SetFlags(ctx, f1, entries[0], ParseFlags("FS"))
	if err != nil || ne.Flags().String() != "FS" {
		t.Fatalf("batch SetFlags: %+v %v", ne, err)
	}
	if err := b.Remove(ctx, f2, entries[1]); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Deliver(ctx, f1, strings.NewReader(testMsg), DeliverOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := b.Abort(); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if n1, n2 := len(dirFiles(t, f1, SubCur)), len(dirFiles(t, f2, SubCur)); n1 != 5 || n2 != 4 {
		t.Fatalf("cur/ counts %d %d, want 5 4", n1, n2)
	}
	if got := dirFiles(t, f1, SubTmp); len(got) != 0 {
		t.Fatalf("tmp/ after Abort: %v", got)
	}
}

func TestSetFlagsAndRemove(t *testing.T) {
	ctx := context.Background()
	f := newTestFolder(t)
	e, err := f.Deliver(ctx, strings.NewReader(testMsg), DeliverOptions{New: true, SizeInName: true})
	if err != nil {
		t.Fatal(err)
	}
	same, err := f.SetFlags(ctx, e, Flags{})
	if err != nil || same.Subdir != SubCur || same.File != e.File+":2," {
		t.Fatalf("new/ -> cur/: %+v %v", same, err)
	}
	ne, err := f.SetFlags(ctx, same, ParseFlags("SRa"))
	if err != nil || ne.File != e.File+":2,RSa" || ne.Name.Unique != e.Name.Unique {
		t.Fatalf("SetFlags: %+v %v", ne, err)
	}
	if again, err := f.SetFlags(ctx, ne, ParseFlags("aRS")); err != nil || again != ne {
		t.Fatalf("no-op SetFlags: %+v %v", again, err)
	}
	if _, err := f.SetFlags(ctx, same, ParseFlags("S")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("SetFlags of a renamed file: %v", err)
	}
	// Never overwrite: a file already holding the target name wins.
	other := Entry{Subdir: SubCur, File: ne.Name.WithFlags(ParseFlags("S")).String()}
	os.WriteFile(other.Path(f), []byte("other"), 0o600)
	if _, err := f.SetFlags(ctx, ne, ParseFlags("S")); err == nil {
		t.Fatal("SetFlags replaced an existing file")
	}
	if _, err := f.SetFlags(ctx, Entry{Subdir: SubCur, File: "../x"}, Flags{}); err == nil {
		t.Fatal("bad entry accepted")
	}
	if err := f.Remove(ctx, ne); err != nil {
		t.Fatal(err)
	}
	if err := f.Remove(ctx, ne); err != nil {
		t.Fatalf("second Remove: %v", err)
	}
	if got := dirFiles(t, f, SubCur); len(got) != 1 || got[0] != other.File {
		t.Fatalf("cur/ = %v", got)
	}
}

func TestRenameNoReplace(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	os.WriteFile(a, []byte("a"), 0o600)
	os.WriteFile(b, []byte("b"), 0o600)
	for name, fn := range map[string]func(string, string) error{"renameNoReplace": renameNoReplace, "linkUnlink": linkUnlink} {
		if err := fn(a, b); !errors.Is(err, fs.ErrExist) {
			t.Fatalf("%s over an existing file: %v", name, err)
		}
		if data, _ := os.ReadFile(b); string(data) != "b" {
			t.Fatalf("%s replaced the target", name)
		}
	}
	if err := linkUnlink(a, filepath.Join(dir, "c")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(a); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("linkUnlink left the source")
	}
}

// TestConcurrentDeliveries: many goroutines deliver through one folder and
// one batch; every message lands under its own name.
func TestConcurrentDeliveries(t *testing.T) {
	ctx := context.Background()
	f := newTestFolder(t)
	b := NewBatch(BatchOptions{})
	const workers, each = 4, 25
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		go func() {
			for i := 0; i < each; i++ {
				var err error
				if i%2 == 0 {
					_, err = f.Deliver(ctx, strings.NewReader(testMsg), DeliverOptions{})
				} else {
					_, err = b.Deliver(ctx, f, strings.NewReader(testMsg), DeliverOptions{})
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for w := 0; w < workers; w++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(dirFiles(t, f, SubCur)); n != workers*each {
		t.Fatalf("%d files in cur/, want %d", n, workers*each)
	}
}

func TestMoveTo(t *testing.T) {
	ctx := context.Background()
	src, dst := newTestFolder(t), newTestFolder(t)
	e, _ := src.Deliver(ctx, strings.NewReader(testMsg), DeliverOptions{Flags: ParseFlags("S")})
	moved, err := src.MoveTo(ctx, e, dst)
	if err != nil || moved != e {
		t.Fatalf("MoveTo: %+v %v", moved, err)
	}
	if data, err := os.ReadFile(moved.Path(dst)); err != nil || string(data) != testMsg {
		t.Fatalf("moved file: %q %v", data, err)
	}
	if len(dirFiles(t, src, SubCur)) != 0 {
		t.Fatal("source still there")
	}
	// never replace: a same-named file in the target stops the move
	os.WriteFile(e.Path(src), []byte("other"), 0o600)
	if _, err := src.MoveTo(ctx, e, dst); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("move over an existing file: %v", err)
	}
	if data, _ := os.ReadFile(e.Path(dst)); string(data) != testMsg {
		t.Fatal("target replaced")
	}
	b := NewBatch(BatchOptions{})
	os.Remove(e.Path(dst))
	if _, err := b.MoveTo(ctx, src, e, dst); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(e.Path(dst)); string(data) != "other" {
		t.Fatal("batch move did not happen")
	}
}

func TestCountWriterBareLF(t *testing.T) {
	for _, in := range []string{"", "a\nb\n", "a\r\nb\n", "\n\n", "\r\n\r\n", "x\r", "\r\r\n\n"} {
		want := int64(strings.Count(in, "\n") - strings.Count(in, "\r\n"))
		for cut := 0; cut <= len(in); cut++ {
			cw := &countWriter{w: io.Discard}
			cw.Write([]byte(in[:cut]))
			cw.Write([]byte(in[cut:]))
			if cw.n != int64(len(in)) || cw.bareLF != want {
				t.Errorf("%q cut %d: n %d bareLF %d, want %d", in, cut, cw.n, cw.bareLF, want)
			}
		}
	}
}
