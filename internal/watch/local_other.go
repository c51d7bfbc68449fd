//go:build !linux

package watch

import (
	"context"
	"errors"

	"github.com/imapdir/imapdir/maildir"
)

// localWatch is not available here: without inotify, local changes are
// picked up by the periodic full sync only.
type localWatch struct{}

func startLocal(context.Context, string, maildir.Layout) (*localWatch, error) {
	return nil, errors.New("watching the Maildir needs Linux (inotify); local changes wait for the full sync")
}

func (*localWatch) Changes() <-chan struct{}          { return nil }
func (*localWatch) Take() (names []string, full bool) { return nil, false }
func (*localWatch) Barrier() error                    { return nil }
func (*localWatch) Close() error                      { return nil }
