package imap

import (
	"strings"

	"github.com/imapdir/imapdir/mutf7"
)

// Gmail's IMAP extensions (X-GM-EXT-1), as Google's "IMAP Extensions"
// page describes them: X-GM-MSGID and X-GM-THRID, 64-bit message and
// thread ids; X-GM-LABELS, a list of labels, each an astring in modified
// UTF-7 like a mailbox name, system labels as backslashed atoms.

// Gmail system labels as X-GM-LABELS spells them.
const (
	GmailInbox     = `\Inbox`
	GmailSent      = `\Sent`
	GmailDraft     = `\Draft`
	GmailImportant = `\Important`
	GmailStarred   = `\Starred`
	GmailTrash     = `\Trash`
	GmailSpam      = `\Spam`
)

// gmailReadable maps each system label to the name Gmail's web interface
// shows for it.
var gmailReadable = []struct{ label, name string }{
	{GmailInbox, "Inbox"},
	{GmailSent, "Sent"},
	{GmailDraft, "Drafts"},
	{GmailImportant, "Important"},
	{GmailStarred, "Starred"},
	{GmailTrash, "Trash"},
	{GmailSpam, "Spam"},
}

// GmailLabelName returns the readable name of a label: a system label's
// name as Gmail shows it ("\Inbox" → "Inbox", "\Draft" → "Drafts"; case
// ignored), any other label unchanged. It is the one mapping used
// wherever labels are shown to people or written into files.
func GmailLabelName(label string) string {
	for _, r := range gmailReadable {
		if strings.EqualFold(label, r.label) {
			return r.name
		}
	}
	return label
}

// GmailLabelFromName is GmailLabelName's inverse: "Inbox" → "\Inbox"
// (case ignored; Gmail reserves these names), any other name unchanged.
func GmailLabelFromName(name string) string {
	for _, r := range gmailReadable {
		if strings.EqualFold(name, r.name) || strings.EqualFold(name, r.label) {
			return r.label
		}
	}
	return name
}

// IsGmailSystemLabel reports whether label is one of Gmail's system
// labels (a backslashed name such as \Inbox).
func IsGmailSystemLabel(label string) bool { return strings.HasPrefix(label, `\`) }

// setGmailItem decodes X-GM-MSGID, X-GM-THRID and X-GM-LABELS into f;
// false when name is none of them.
func (f *FetchData) setGmailItem(name string, v Value) (bool, error) {
	switch name {
	case "X-GM-MSGID", "X-GM-THRID":
		n, ok := AsNumber(v)
		if !ok && !isNil(v) { // NIL: no id (0), as Cyrus sends THREADID NIL
			return true, errIf(true, "not a number: %v", v)
		}
		if name == "X-GM-MSGID" {
			f.GmailMsgID = n
		} else {
			f.GmailThreadID = n
		}
	case "X-GM-LABELS":
		labels, err := gmailLabels(v)
		f.GmailLabels, f.HasGmailLabels = labels, err == nil
		return true, err
	default:
		return false, nil
	}
	return true, nil
}

// gmailLabels reads "(" [label *(SP label)] ")": atoms and strings,
// user labels decoded from modified UTF-7 (a label that is not valid
// modified UTF-7, as a server with UTF8=ACCEPT may send, is kept as
// sent), system labels as sent. NIL reads as no labels.
func gmailLabels(v Value) ([]string, error) {
	if _, isNil := v.(Nil); isNil {
		return []string{}, nil
	}
	raw, err := stringList(v)
	if err != nil {
		return nil, err
	}
	for i, l := range raw {
		if IsGmailSystemLabel(l) {
			continue
		}
		if d, err := mutf7.Decode(l); err == nil {
			raw[i] = d
		}
	}
	return raw, nil
}
