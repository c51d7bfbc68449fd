package importer

import (
	"context"
	"fmt"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/mutf7"
	"github.com/imapdir/imapdir/store"
)

// notOnServer is the refusal for a folder, read under layout as the
// mailbox name, that the server does not have. When the name read as
// modified UTF-7 is a mailbox the server has ("Entw&APw-rfe" for
// "Entwürfe"), the Maildir keeps names in the server's spelling, as mbsync
// and OfflineIMAP write them, and the fix is the "-mutf7" form of the
// layout: the refusal says so.
func notOnServer(ctx context.Context, far store.Store, name string, layout maildir.Layout) error {
	if fix, ok := layout.MUTF7Form(); ok {
		if decoded, err := mutf7.Decode(name); err == nil && decoded != name && hasMailbox(ctx, far, decoded) {
			return fmt.Errorf("not on the server, but %q (the name read as modified UTF-7) is: this Maildir keeps "+
				"folder names in modified UTF-7; set layout = %q for the account (it is %q)", decoded, fix.String(), layout.String())
		}
	}
	return fmt.Errorf("not on the server: is --from the Maildir of this account?")
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
