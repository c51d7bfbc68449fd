package imapwire

import (
	"bufio"
	"fmt"
	"io"
	"runtime"
	"testing"

	"github.com/imapdir/imapdir/imap"
)

// chunk is a piece of a generated stream: data, or pattern repeated to size.
type chunk struct {
	data []byte
	size int64
}

// genReader yields its chunks in order without materializing repeated ones,
// so that large streams cost no memory.
type genReader struct {
	chunks []chunk
	i      int
	off    int64
}

func (r *genReader) Read(p []byte) (int, error) {
	for r.i < len(r.chunks) && r.off == r.chunks[r.i].size {
		r.i, r.off = r.i+1, 0
	}
	if r.i == len(r.chunks) {
		return 0, io.EOF
	}
	c := r.chunks[r.i]
	start := r.off % int64(len(c.data))
	n := copy(p[:min(int64(len(p)), c.size-r.off)], c.data[start:])
	r.off += int64(n)
	return n, nil
}

var bodyPattern = func() []byte {
	b := make([]byte, 4096)
	for i := range b {
		b[i] = "abcdefghijklmnopqrstuvwxyz\r\n"[i%28]
	}
	return b
}()

// fetchChunks returns the chunks of n FETCH responses with bodySize-byte
// bodies, and the stream's length.
func fetchChunks(n int, bodySize int64) ([]chunk, int64) {
	var chunks []chunk
	var total int64
	tail := []byte(")\r\n")
	for i := 1; i <= n; i++ {
		head := fmt.Appendf(nil, "* %d FETCH (UID %d FLAGS (\\Seen $Forwarded) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE %d MODSEQ (%d) BODY[] {%d}\r\n",
			i, i+1000, bodySize, 90000+i, bodySize)
		chunks = append(chunks, chunk{head, int64(len(head))}, chunk{bodyPattern, bodySize}, chunk{tail, 3})
		total += int64(len(head)) + bodySize + 3
	}
	return chunks, total
}

func discardBody(info LiteralInfo, r io.Reader) (imap.Value, error) {
	n, err := io.Copy(io.Discard, r)
	return imap.Streamed{Size: n}, err
}

// decodeFetches decodes n FETCH responses from chunks and converts each.
func decodeFetches(tb testing.TB, chunks []chunk, n int) {
	d := NewDecoder(bufio.NewReaderSize(&genReader{chunks: chunks}, 64<<10), DecoderOptions{Literal: discardBody})
	for range n {
		resp, err := d.ReadResponse()
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := imap.ParseFetch(resp); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkFetchStream decodes 10 000 FETCH responses with 20 KB bodies
// streamed to io.Discard, converting each to FetchData. allocs/op is for
// the whole stream; allocs/resp per response.
func BenchmarkFetchStream(b *testing.B) {
	const n = 10000
	chunks, total := fetchChunks(n, 20<<10)
	b.SetBytes(total)
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	runs := 0
	for b.Loop() {
		decodeFetches(b, chunks, n)
		runs++
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(runs*n), "allocs/resp")
}

// BenchmarkLargeLiteral reads one 50 MB body literal through the decoder.
func BenchmarkLargeLiteral(b *testing.B) {
	const size = 50 << 20
	chunks, total := fetchChunks(1, size)
	b.SetBytes(total)
	b.ReportAllocs()
	for b.Loop() {
		decodeFetches(b, chunks, 1)
	}
}

// TestLargeLiteralConstantAllocs: a 50 MB literal costs the decoder as many
// allocations as a 1 KB one (O(1) in the literal's size).
func TestLargeLiteralConstantAllocs(t *testing.T) {
	small, _ := fetchChunks(1, 1<<10)
	large, _ := fetchChunks(1, 50<<20)
	a1 := testing.AllocsPerRun(2, func() { decodeFetches(t, small, 1) })
	a2 := testing.AllocsPerRun(2, func() { decodeFetches(t, large, 1) })
	if a2 > a1+2 {
		t.Errorf("allocations grow with literal size: %v for 1 KB, %v for 50 MB", a1, a2)
	}
	t.Logf("allocations per response: %v (1 KB body), %v (50 MB body)", a1, a2)
}
