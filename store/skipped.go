package store

// SkippedMailbox is a mailbox a store left out of ListMailboxes because it
// cannot represent it (an undecodable name, an empty level, a level that
// holds "/"): it is not synchronized, and the run says so.
type SkippedMailbox struct {
	Name   string // as the store's side spells it (raw, when undecodable)
	Reason string // why it was left out, for people
}

// Skipper is implemented by stores that may leave mailboxes out of
// ListMailboxes. SkippedMailboxes returns those of the latest listing; a
// caller reports each (naming it) and counts the run as partly done.
type Skipper interface {
	SkippedMailboxes() []SkippedMailbox
}
