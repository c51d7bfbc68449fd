package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/imapdir/imapdir/internal/config"
	"github.com/imapdir/imapdir/store"
)

// A Gmail account synced in all-mail mode (config.GmailAllMail, the
// default on Gmail) differs from any other in two places, both decided
// once the far store says it is Gmail (Features.GmailLabels): the near
// store keeps labels in X-Keywords (nearAccount), and the engine syncs
// only All Mail and the gmail_folders, found by their special-use
// attributes, never by their localized names (gmailMatch).

// nearAccount returns acct as the near store is to be opened for it:
// labels in the Maildir only for a Gmail account synced in all-mail mode
// (allMail: gmailMatch gave a filter) with labels = "x-keywords" (else
// "none": the state database alone keeps them).
func nearAccount(acct *config.Account, allMail bool) (*config.Account, error) {
	a := *acct
	if !acct.LabelsInMaildir(allMail) {
		a.Labels = "none"
		return &a, nil
	}
	if a.Keywords == "x-keywords" {
		return nil, fmt.Errorf(`account %s: Gmail labels and keywords = "x-keywords" cannot share the X-Keywords header; `+
			`set labels = "none" or keywords = "dovecot"`, acct.Name)
	}
	return &a, nil
}

// gmailSpecialUse maps the gmail_folders names to the special-use
// attribute (RFC 6154) their folder carries.
var gmailSpecialUse = map[string]string{"Trash": `\Trash`, "Spam": `\Junk`}

// gmailPairedName is the local name special_use pairing gives the
// gmail_folders (syncer.NameMap).
var gmailPairedName = map[string]string{`\Trash`: "Trash", `\Junk`: "Junk"}

// gmailMatch returns, for a Gmail account in all-mail mode, the mailbox
// filter of the run: All Mail (\All) and the gmail_folders, each also
// subject to the folders patterns. It returns nil for any other account
// (the folders patterns alone decide), and for a store that offers
// labels but no \All mailbox unless gmail = "all-mail" was asked for
// (then that is an error).
func gmailMatch(ctx context.Context, acct *config.Account, far store.Store) (func(string) bool, error) {
	if !acct.AllMail(far.Features().GmailLabels) {
		return nil, nil
	}
	list, err := far.ListMailboxes(ctx)
	if err != nil {
		return nil, fmt.Errorf("list Gmail folders: %w", err)
	}
	want := map[string]bool{`\All`: true}
	for _, f := range acct.GmailFolders {
		want[gmailSpecialUse[f]] = true
	}
	names := map[string]bool{}
	all := false
	for _, mi := range list {
		if want[mi.SpecialUse] && !mi.NoSelect {
			// The engine names a far mailbox by its local name (the map
			// key, special-use pairing: [Gmail]/Trash is Trash).
			names[mi.Name] = true
			if local, ok := acct.Map[mi.Name]; ok {
				names[local] = true
			} else if local := gmailPairedName[mi.SpecialUse]; local != "" && acct.SpecialUse {
				names[local] = true
			}
			all = all || mi.SpecialUse == `\All`
		}
	}
	switch {
	case !all && acct.Gmail == config.GmailAllMail:
		return nil, errors.New(`Gmail offers no All Mail folder (\All) over IMAP: show it in Gmail's settings (Labels → "Show in IMAP"), or set gmail = "folders"`)
	case !all:
		return nil, nil
	}
	folders := acct.Folders
	return func(name string) bool { return names[name] && config.Match(folders, name) }, nil
}
