package imapstore

import (
	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/store"
)

// caps is what the store uses of a server's capabilities, decided once
// when the store is opened (the first connection's capabilities after
// login) and fixed for the store's life, as store.Features must be.
type caps struct {
	condStore  bool // RFC 7162 §3.1
	qresync    bool // RFC 7162 §3.2 (implies condStore)
	uidPlus    bool // RFC 4315
	move       bool // RFC 6851
	esearch    bool // RFC 4731
	gmail      bool // X-GM-EXT-1
	objectID   bool // RFC 8474
	specialUse bool // RFC 6154
	listExt    bool // RFC 5258
	listStatus bool // RFC 5819
	unselect   bool // RFC 3691
	enable     bool // RFC 5161
	literal    bool // LITERAL+ or LITERAL- (RFC 7888): APPEND needs no round trip
	keywords   bool // PERMANENTFLAGS of INBOX holds \* (RFC 9051 §7.1)
}

// capsOf reads the capability set, ignoring those in disabled (tests and
// servers whose extension is broken).
func capsOf(set imap.CapSet, disabled []imap.Cap) caps {
	off := imap.NewCapSet(disabled...)
	has := func(c imap.Cap) bool { return set.Has(c) && !off.Has(c) }
	c := caps{
		condStore:  has(imap.CapCondStore) || has(imap.CapQResync),
		uidPlus:    has(imap.CapUIDPlus),
		move:       has(imap.CapMove),
		esearch:    has(imap.CapESearch),
		gmail:      has(imap.CapGmailExt),
		objectID:   has(imap.CapObjectID),
		specialUse: has(imap.CapSpecialUse),
		listExt:    has(imap.CapListExtended),
		listStatus: has(imap.CapListStatus),
		unselect:   has(imap.CapUnselect),
		enable:     has(imap.CapEnable),
		literal:    has(imap.CapLiteralPlus) || has(imap.CapLiteralMinus),
	}
	// QRESYNC needs ENABLE (RFC 7162 §3.2.3) and implies CONDSTORE.
	c.qresync = has(imap.CapQResync) && c.enable
	if off.Has(imap.CapCondStore) {
		c.condStore, c.qresync = false, false
	}
	return c
}

// features maps the capabilities to what the engine may rely on.
//
//   - Changes needs CONDSTORE: CHANGEDSINCE finds changed flags in O(changes)
//     (RFC 7162 §3.1.4.1); vanished UIDs come from QRESYNC's VANISHED
//     (§3.2.6) or, with CONDSTORE only (Gmail), from comparing the caller's
//     known UIDs with a UID SEARCH ALL.
//   - UIDPlus: APPENDUID and COPYUID give the new UIDs (RFC 4315 §3).
//   - Move: UID MOVE is atomic (RFC 6851 §3); else COPY + STORE + EXPUNGE.
//   - Keywords: INBOX's PERMANENTFLAGS holds `\*` (RFC 9051 §7.1), so new
//     keywords can be stored.
//   - Gmail's X-GM-EXT-1 gives labels (X-GM-LABELS) and stable message ids
//     (X-GM-MSGID); OBJECTID gives EMAILID and MAILBOXID (RFC 8474).
func (c caps) features() store.Features {
	return store.Features{
		Changes:     c.condStore,
		CondStore:   c.condStore,
		QResync:     c.qresync,
		UIDPlus:     c.uidPlus,
		Move:        c.move,
		Keywords:    c.keywords,
		GmailLabels: c.gmail,
		StableIDs:   c.gmail || c.objectID,
		MailboxIDs:  c.objectID && c.listStatus,
	}
}

// keywordsAllowed tells from a SELECT/EXAMINE whether arbitrary keywords
// are kept: PERMANENTFLAGS holds `\*`. Without a PERMANENTFLAGS code the
// client is to assume that all flags can be changed permanently
// (RFC 3501 §7.1).
func keywordsAllowed(sel *imap.SelectData) bool {
	if !sel.HasPermanentFlags {
		return true
	}
	return imap.HasFlag(sel.PermanentFlags, imap.Flag(`\*`))
}
