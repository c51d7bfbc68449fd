package importer

import (
	"context"
	"fmt"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/mutf7"
	"github.com/imapdir/imapdir/store"
)

// mutf7Hint explains why a folder, read under layout as the mailbox
// name, has no mailbox on the server when the name read as modified
// UTF-7 is one the server has ("Entw&APw-rfe" for "Entwürfe"): the
// Maildir keeps names in the server's spelling, as mbsync and OfflineIMAP
// write them, and the fix is the "-mutf7" form of the layout. It returns
// "" when that is not the reason.
func mutf7Hint(ctx context.Context, far store.Store, name string, layout maildir.Layout) string {
	fix, ok := layout.MUTF7Form()
	if !ok {
		return ""
	}
	decoded, err := mutf7.Decode(name)
	if err != nil || decoded == name || !hasMailbox(ctx, far, decoded) {
		return ""
	}
	return fmt.Sprintf("not on the server, but %q (the name read as modified UTF-7) is: this Maildir keeps "+
		"folder names in modified UTF-7; set layout = %q for the account (it is %q)", decoded, fix.String(), layout.String())
}

// hasMailbox reports whether the server has the mailbox name.
func hasMailbox(ctx context.Context, far store.Store, name string) bool {
	box, err := far.OpenMailbox(ctx, name)
	if err != nil {
		return false
	}
	box.Close()
	return true
}
