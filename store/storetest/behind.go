package storetest

import (
	"bytes"
	"time"

	"github.com/imapdir/imapdir/store"
)

// withOther runs fn on a second Mailbox of name, closed right after: the
// fallback for a change hook the harness does not give.
func (f *fixture) withOther(name string, fn func(mb store.Mailbox) error) {
	f.t.Helper()
	mb, err := f.st.OpenMailbox(f.ctx, name)
	if err != nil {
		f.t.Fatalf("behind: OpenMailbox(%q): %v", name, err)
	}
	err = fn(mb)
	if cerr := mb.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		f.t.Fatalf("behind: change in %q: %v", name, err)
	}
}

// appendBehind adds a message from outside.
func (f *fixture) appendBehind(name string, body []byte, flags store.Flags, date time.Time) {
	f.t.Helper()
	if f.h.AppendBehind != nil {
		f.h.AppendBehind(f.t, f.st, name, body, flags, date)
		return
	}
	f.withOther(name, func(mb store.Mailbox) error {
		nm := store.NewMessage{Flags: flags, InternalDate: date, Size: int64(len(body)), Body: bytes.NewReader(body)}
		if _, err := mb.Append(f.ctx, nm); err != nil {
			return err
		}
		return mb.Flush(f.ctx)
	})
}

// changeFlagsBehind changes one message's flags from outside.
func (f *fixture) changeFlagsBehind(name string, uid store.UID, add, remove store.Flags) {
	f.t.Helper()
	if f.h.ChangeFlagsBehind != nil {
		f.h.ChangeFlagsBehind(f.t, f.st, name, uid, add, remove)
		return
	}
	f.withOther(name, func(mb store.Mailbox) error {
		_, err := mb.UpdateFlags(f.ctx, store.FlagChange{UIDs: []store.UID{uid}, Add: add, Remove: remove})
		return err
	})
}

// expungeBehind removes messages from outside.
func (f *fixture) expungeBehind(name string, uids ...store.UID) {
	f.t.Helper()
	if f.h.ExpungeBehind != nil {
		f.h.ExpungeBehind(f.t, f.st, name, uids...)
		return
	}
	f.withOther(name, func(mb store.Mailbox) error { return mb.Expunge(f.ctx, uids) })
}
