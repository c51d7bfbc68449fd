package memstore

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/imapdir/imapdir/store"
)

// Snapshot is a comparable description of a whole store, for tests: compare
// two with String (exact, UIDs included) or Content (what a sync must make
// equal: names, bodies, dates and flags, not UIDs).
type Snapshot struct {
	Mailboxes []MailboxSnapshot // sorted by name
}

// MailboxSnapshot describes one mailbox.
type MailboxSnapshot struct {
	Name        string
	NoSelect    bool
	UIDValidity uint32
	UIDNext     store.UID
	Messages    []MessageSnapshot // ascending UID
}

// MessageSnapshot describes one message. All fields are comparable with ==.
type MessageSnapshot struct {
	UID     store.UID
	Flags   string // store.Flags.String form
	Labels  string // sorted, space-separated
	Size    int64
	SHA256  string // hex digest of the body
	Date    int64  // INTERNALDATE, Unix seconds
	EmailID string
	Durable bool
}

// Snapshot describes the store now; message metadata is shown whatever
// the features.
func (s *Store) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	var snap Snapshot
	for _, b := range s.boxes {
		mb := MailboxSnapshot{Name: b.name, NoSelect: b.noSelect, UIDValidity: b.validity, UIDNext: b.uidNext}
		for _, m := range b.msgs {
			sum := sha256.Sum256(m.body)
			mb.Messages = append(mb.Messages, MessageSnapshot{
				UID: m.uid, Flags: m.flags.String(), Labels: strings.Join(m.labels, " "),
				Size: int64(len(m.body)), SHA256: hex.EncodeToString(sum[:]),
				Date: m.date.Unix(), EmailID: m.emailID, Durable: m.durable,
			})
		}
		snap.Mailboxes = append(snap.Mailboxes, mb)
	}
	sort.Slice(snap.Mailboxes, func(i, j int) bool { return snap.Mailboxes[i].Name < snap.Mailboxes[j].Name })
	return snap
}

// String renders every detail, one line per mailbox and message.
func (sn Snapshot) String() string {
	var b strings.Builder
	for _, mb := range sn.Mailboxes {
		fmt.Fprintf(&b, "%s noselect=%v uidvalidity=%d uidnext=%d\n", mb.Name, mb.NoSelect, mb.UIDValidity, mb.UIDNext)
		for _, m := range mb.Messages {
			fmt.Fprintf(&b, "  %d %s size=%d date=%d flags=[%s] labels=[%s] emailid=%s durable=%v\n",
				m.UID, m.SHA256[:16], m.Size, m.Date, m.Flags, m.Labels, m.EmailID, m.Durable)
		}
	}
	return b.String()
}

// Content renders what two synchronized stores share: selectable mailbox
// names and, per mailbox, the sorted lines "body-hash size date flags".
func (sn Snapshot) Content() string {
	var b strings.Builder
	for _, mb := range sn.Mailboxes {
		if mb.NoSelect {
			continue
		}
		fmt.Fprintf(&b, "%s\n", mb.Name)
		lines := make([]string, len(mb.Messages))
		for i, m := range mb.Messages {
			lines[i] = fmt.Sprintf("  %s %d %d [%s]\n", m.SHA256[:16], m.Size, m.Date, m.Flags)
		}
		slices.Sort(lines)
		b.WriteString(strings.Join(lines, ""))
	}
	return b.String()
}

// Seed adds a durable message to mailbox (created with its parents if
// missing) without hooks or counting, as mail that was already there, and
// returns its UID whatever the features. Flags are filtered as Append does.
func (s *Store) Seed(mailbox string, body []byte, flags store.Flags, date time.Time) (store.UID, error) {
	name, err := normName("seed", mailbox)
	if err != nil {
		return 0, err
	}
	msg := s.newMessage(slices.Clone(body), flags, nil, date)
	msg.durable = true
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.boxes[name]
	if b == nil {
		b = s.createLocked(name, "")
	}
	if b.noSelect {
		return 0, fmt.Errorf("memstore: seed %q: \\Noselect: %w", name, store.ErrMailboxNotFound)
	}
	s.assignIDs(msg)
	return b.add(msg), nil
}

// behind runs fn on mailbox's data under the lock, for the *Behind helpers.
func (s *Store) behind(op, mailbox string, fn func(b *box) error) error {
	name, err := normName(op, mailbox)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.boxes[name]
	if b == nil || b.noSelect {
		return fmt.Errorf("memstore: %s %q: %w", op, name, store.ErrMailboxNotFound)
	}
	return fn(b)
}

// ChangeFlagsBehind changes a message's flags as another client would:
// no hooks, no counts, modseq advanced. A missing UID is an error.
func (s *Store) ChangeFlagsBehind(mailbox string, uid store.UID, add, remove store.Flags) error {
	return s.behind("change-flags-behind", mailbox, func(b *box) error {
		msg := b.find(uid)
		if msg == nil {
			return fmt.Errorf("memstore: change flags behind: %q has no uid %d", b.name, uid)
		}
		b.setFlags(msg, s.keepFlags(add), store.NewFlags(remove...))
		return nil
	})
}

// SetLabelsBehind replaces a message's Gmail labels as another client
// would. A missing UID is an error.
func (s *Store) SetLabelsBehind(mailbox string, uid store.UID, labels []string) error {
	return s.behind("set-labels-behind", mailbox, func(b *box) error {
		msg := b.find(uid)
		if msg == nil {
			return fmt.Errorf("memstore: set labels behind: %q has no uid %d", b.name, uid)
		}
		msg.labels = s.keepLabels(labels)
		msg.modseq = b.bump()
		return nil
	})
}

// ExpungeBehind removes messages as another client would.
func (s *Store) ExpungeBehind(mailbox string, uids ...store.UID) error {
	return s.behind("expunge-behind", mailbox, func(b *box) error {
		b.remove(uidSet(uids), nil)
		return nil
	})
}

// EditBehind replaces the content of message uid as a Maildir file edited
// in place is reported: the old UID goes and body comes under a new UID
// that names it (Message.Replaces), keeping the flags and date. It
// returns the new UID.
func (s *Store) EditBehind(mailbox string, uid store.UID, body []byte) (store.UID, error) {
	var nu store.UID
	err := s.behind("edit-behind", mailbox, func(b *box) error {
		old := b.find(uid)
		if old == nil {
			return fmt.Errorf("memstore: edit behind: %q has no uid %d", b.name, uid)
		}
		msg := s.newMessage(slices.Clone(body), old.flags, nil, old.date)
		msg.durable, msg.replaces = true, uid
		s.assignIDs(msg)
		b.remove(uidSet([]store.UID{uid}), nil)
		nu = b.add(msg)
		return nil
	})
	return nu, err
}

// MoveBehind moves one message atomically to dest as a mail reader moving
// a Maildir file would (reported as a move with Options.ReportMoves), and
// returns its new UID.
func (s *Store) MoveBehind(mailbox string, uid store.UID, dest string) (store.UID, error) {
	dest, err := normName("move-behind", dest)
	if err != nil {
		return 0, err
	}
	var nu store.UID
	err = s.behind("move-behind", mailbox, func(b *box) error {
		db := s.boxes[dest]
		if db == nil || db.noSelect {
			return fmt.Errorf("memstore: move behind to %q: %w", dest, store.ErrMailboxNotFound)
		}
		moved := s.moveLocked(b, []store.UID{uid}, db, true)
		var ok bool
		if nu, ok = moved[uid]; !ok {
			return fmt.Errorf("memstore: move behind: %q has no uid %d", b.name, uid)
		}
		return nil
	})
	return nu, err
}
