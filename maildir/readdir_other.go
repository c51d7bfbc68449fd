//go:build !linux

package maildir

import (
	"context"
	"errors"
	"io"
	"os"
)

// readDirNames calls fn for each entry of dir that is not a directory,
// with inode number 0 (unknown); it stops when ctx is done.
func readDirNames(ctx context.Context, dir string, fn func(name string, ino uint64)) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		ents, err := d.ReadDir(4096)
		for _, e := range ents {
			if !e.IsDir() {
				fn(e.Name(), 0)
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
