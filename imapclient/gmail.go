package imapclient

import (
	"context"

	"github.com/imapdir/imapdir/imap"
)

// Gmail's IMAP extensions (X-GM-EXT-1, Google's "IMAP Extensions" page).

// GmailItems are the FETCH items of Gmail's ids and labels; FetchData
// carries them decoded (GmailMsgID, GmailThreadID, GmailLabels).
var GmailItems = []imap.Value{imap.Atom("X-GM-MSGID"), imap.Atom("X-GM-THRID"), imap.Atom("X-GM-LABELS")}

// IsGmail reports whether the server offers Gmail's extensions
// (X-GM-EXT-1).
func (c *Client) IsGmail() bool { return c.Caps().Has(imap.CapGmailExt) }

// LabelOp is the label operation of STORE X-GM-LABELS.
type LabelOp string

// Label operations.
const (
	LabelsAdd     LabelOp = "+X-GM-LABELS"
	LabelsRemove  LabelOp = "-X-GM-LABELS"
	LabelsReplace LabelOp = "X-GM-LABELS"
)

// UIDStoreLabels adds, removes or replaces the Gmail labels of the
// messages in set. Labels are given in UTF-8 as FetchData.GmailLabels
// holds them: system labels as \Inbox, \Starred … (see
// imap.GmailLabelFromName for readable names), user labels encoded like
// mailbox names (modified UTF-7, or UTF-8 once UTF8=ACCEPT is enabled).
// Unless opts.Silent the result's Fetched carry the new labels.
func (c *Client) UIDStoreLabels(ctx context.Context, set imap.UIDSet, op LabelOp, labels []string, opts *StoreOptions) (*StoreResult, error) {
	vals := imap.List{}
	for _, l := range labels {
		vals = append(vals, labelValue(l))
	}
	return c.storeItem(ctx, []imap.Value{imap.Atom("UID"), imap.Atom("STORE"), set}, string(op), vals, opts)
}

func labelValue(l string) imap.Value {
	if imap.IsGmailSystemLabel(l) && imap.IsAtom(l[1:]) {
		return imap.Flag(l)
	}
	return imap.Mailbox(l)
}

// UIDSearchGmail returns the UIDs of the messages matching a query in
// Gmail's web search syntax (SEARCH X-GM-RAW), e.g. "label:work is:unread"
// or "has:attachment larger:5M". A non-ASCII query is sent with CHARSET
// UTF-8.
func (c *Client) UIDSearchGmail(ctx context.Context, query string) (*imap.SearchData, error) {
	var keys []imap.Value
	if !isASCII(query) && !c.Enabled().Has(imap.CapUTF8Accept) {
		keys = append(keys, imap.Atom("CHARSET"), imap.Atom("UTF-8"))
	}
	keys = append(keys, imap.Atom("X-GM-RAW"), imap.Str(query))
	return c.UIDSearch(ctx, keys...)
}

// UIDSearchGmailMsgID returns the UID of the message whose X-GM-MSGID is
// id in the selected mailbox (none, or one).
func (c *Client) UIDSearchGmailMsgID(ctx context.Context, id uint64) (*imap.SearchData, error) {
	return c.UIDSearch(ctx, imap.Atom("X-GM-MSGID"), imap.Num(id))
}

// UIDSearchGmailLabel returns the UIDs of the messages carrying label
// (given as for UIDStoreLabels).
func (c *Client) UIDSearchGmailLabel(ctx context.Context, label string) (*imap.SearchData, error) {
	return c.UIDSearch(ctx, imap.Atom("X-GM-LABELS"), labelValue(label))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
