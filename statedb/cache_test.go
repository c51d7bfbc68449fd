package statedb

import (
	"context"
	"path/filepath"
	"testing"
)

// TestCacheKiB: Options.CacheKiB sets the page cache of the writer and of
// every reader; zero leaves SQLite's default.
func TestCacheKiB(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct{ kib, want int }{{512, -512}, {0, -2000}} {
		db, err := Open(ctx, filepath.Join(t.TempDir(), FileName), Options{CacheKiB: c.kib})
		if err != nil {
			t.Fatal(err)
		}
		var w, r int
		if err := db.writer.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&w); err != nil {
			t.Fatal(err)
		}
		if err := db.reader.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&r); err != nil {
			t.Fatal(err)
		}
		if w != c.want || r != c.want {
			t.Errorf("CacheKiB %d: cache_size %d (writer), %d (reader), want %d", c.kib, w, r, c.want)
		}
		db.Close()
	}
}
