package gmailsim

import (
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// System labels as X-GM-LABELS spells them (Google's IMAP extensions page).
const (
	LabelInbox     = `\Inbox`
	LabelSent      = `\Sent`
	LabelDraft     = `\Draft`
	LabelImportant = `\Important`
	LabelStarred   = `\Starred`
	LabelTrash     = `\Trash`
	LabelSpam      = `\Spam`
)

// message is one Gmail message: it exists once, and every folder that
// shows it is a view chosen by its labels.
type message struct {
	msgID, thrID uint64
	body         []byte // CRLF line endings, as on the wire
	date         time.Time
	flags        map[string]bool // \Seen \Answered and keywords; \Flagged and \Draft live in labels
	labels       map[string]bool // wire (modified UTF-7) spelling
	modSeq       uint64
}

// folder is a label seen as a mailbox. label is the label whose presence
// makes a message a member; "" for All Mail.
type folder struct {
	name        string // wire (modified UTF-7) name
	attr        string // RFC 6154 special-use attribute, or ""
	label       string
	uidValidity uint32
	uidNext     uint32
	entries     []*entry // sorted by UID
}

// entry is a message's presence in one folder, under one UID.
type entry struct {
	uid     uint32
	m       *message
	deleted bool // \Deleted is per folder, as on Gmail
}

// account is the one mailbox set the server holds. Every field is guarded
// by mu; changed is closed and replaced whenever anything changes, so that
// IDLE sessions wake up.
type account struct {
	mu        sync.Mutex
	msgs      []*message // by msgID
	folders   []*folder  // in LIST order
	modSeq    uint64
	nextMsgID uint64
	nextValid uint32
	changed   chan struct{}
	stats     Stats
	downloads map[uint64]int // X-GM-MSGID → full-body fetches
}

// Stats are counters the tests read.
type Stats struct {
	BodyFetches  int64 // FETCH items that sent a message's full body (BODY[], RFC822)
	BodyBytes    int64 // bytes of those bodies
	FlagFetches  int64 // FETCH responses carrying FLAGS (a listing costs one per message)
	Appends      int64
	IDs          int64 // ID commands received (RFC 2971)
	PeakLoggedIn int   // most connections logged in at once
}

func newAccount(names map[string]string) *account {
	a := &account{nextMsgID: 1_500_000_000_000_000_000, nextValid: 1, changed: make(chan struct{}),
		downloads: map[uint64]int{}}
	a.addFolder("INBOX", "", LabelInbox)
	for _, s := range systemFolders {
		name := s.name
		if n, ok := names[s.attr]; ok {
			name = n
		}
		a.addFolder(name, s.attr, s.label)
	}
	return a
}

// systemFolders are the [Gmail]/ folders with their special-use
// attributes (RFC 6154 §2; \Important is RFC 8457) and labels.
var systemFolders = []struct{ name, attr, label string }{
	{"[Gmail]/All Mail", `\All`, ""},
	{"[Gmail]/Drafts", `\Drafts`, LabelDraft},
	{"[Gmail]/Important", `\Important`, LabelImportant},
	{"[Gmail]/Sent Mail", `\Sent`, LabelSent},
	{"[Gmail]/Spam", `\Junk`, LabelSpam},
	{"[Gmail]/Starred", `\Flagged`, LabelStarred},
	{"[Gmail]/Trash", `\Trash`, LabelTrash},
}

func (a *account) addFolder(name, attr, label string) *folder {
	f := &folder{name: name, attr: attr, label: label, uidValidity: a.nextValid, uidNext: 1}
	a.nextValid++
	a.folders = append(a.folders, f)
	return f
}

// folder finds a folder by wire name; INBOX in any case.
func (a *account) folder(name string) *folder {
	for _, f := range a.folders {
		if f.name == name || (strings.EqualFold(name, "INBOX") && f.name == "INBOX") {
			return f
		}
	}
	return nil
}

// labelFolder returns the folder of label l, creating it for a user label
// (Gmail creates a label that STORE or COPY names).
func (a *account) labelFolder(l string) *folder {
	for _, f := range a.folders {
		if f.label == l && f.attr != `\All` {
			return f
		}
	}
	if strings.HasPrefix(l, `\`) {
		return nil
	}
	return a.addFolder(l, "", l)
}

// member reports whether m is shown in f. Messages in Trash or Spam are
// shown only there, not in All Mail nor in their other labels' folders.
func (f *folder) member(m *message) bool {
	hidden := m.labels[LabelTrash] || m.labels[LabelSpam]
	switch f.label {
	case "":
		return !hidden
	case LabelTrash, LabelSpam:
		return m.labels[f.label]
	}
	return m.labels[f.label] && !hidden
}

// reconcile makes every folder show exactly its members: a message that
// joins a folder gets the folder's next UID (a label removed and added
// again gives a new UID, as on Gmail); one that leaves is expunged there.
// It then wakes up waiting sessions.
func (a *account) reconcile() {
	for _, f := range a.folders {
		kept := f.entries[:0]
		in := make(map[*message]bool, len(f.entries))
		for _, e := range f.entries {
			if f.member(e.m) && a.exists(e.m) {
				kept = append(kept, e)
				in[e.m] = true
			}
		}
		clear(f.entries[len(kept):])
		f.entries = kept
		for _, m := range a.msgs {
			if !in[m] && f.member(m) {
				f.entries = append(f.entries, &entry{uid: f.uidNext, m: m})
				f.uidNext++
			}
		}
	}
	close(a.changed)
	a.changed = make(chan struct{})
}

func (a *account) exists(m *message) bool {
	i := sort.Search(len(a.msgs), func(i int) bool { return a.msgs[i].msgID >= m.msgID })
	return i < len(a.msgs) && a.msgs[i] == m
}

// touch gives m a new mod-sequence (RFC 7162 §3.1.1: every change of
// flags or labels raises it; Gmail's counter is one for the account).
func (a *account) touch(m *message) {
	a.modSeq++
	m.modSeq = a.modSeq
}

// newMessage adds a message with labels and flags (wire spelling).
// \Flagged becomes the \Starred label and \Draft the \Draft label.
func (a *account) newMessage(body []byte, date time.Time, flags, labels []string, thrID uint64) *message {
	a.nextMsgID += 1 + uint64(len(a.msgs)%7)
	m := &message{msgID: a.nextMsgID, thrID: thrID, body: body, date: date,
		flags: map[string]bool{}, labels: map[string]bool{}}
	if m.thrID == 0 {
		m.thrID = m.msgID
	}
	for _, l := range labels {
		m.labels[l] = true
		a.labelFolder(l)
	}
	for _, f := range flags {
		a.setFlag(m, f, true)
	}
	a.msgs = append(a.msgs, m)
	a.touch(m)
	return m
}

// setFlag sets or clears one flag; \Flagged and \Draft are the \Starred
// and \Draft labels (Google: "\Starred ⇄ \Flagged").
func (a *account) setFlag(m *message, f string, on bool) {
	switch strings.ToLower(f) {
	case `\flagged`:
		setOrClear(m.labels, LabelStarred, on)
	case `\draft`:
		setOrClear(m.labels, LabelDraft, on)
	case `\recent`, `\deleted`:
	default:
		setOrClear(m.flags, canonFlag(f), on)
	}
}

// flagList is m's flags as FETCH FLAGS shows them in a folder.
func (m *message) flagList(e *entry) []string {
	var out []string
	for f := range m.flags {
		out = append(out, f)
	}
	if m.labels[LabelStarred] {
		out = append(out, `\Flagged`)
	}
	if m.labels[LabelDraft] {
		out = append(out, `\Draft`)
	}
	if e != nil && e.deleted {
		out = append(out, `\Deleted`)
	}
	slices.Sort(out)
	return out
}

// labelList is X-GM-LABELS: every label of m, sorted.
func (m *message) labelList() []string {
	out := make([]string, 0, len(m.labels))
	for l := range m.labels {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

// remove deletes m for good (expunge from Trash or Spam).
func (a *account) remove(m *message) {
	a.msgs = slices.DeleteFunc(a.msgs, func(x *message) bool { return x == m })
}

func (a *account) byMsgID(id uint64) *message {
	i := sort.Search(len(a.msgs), func(i int) bool { return a.msgs[i].msgID >= id })
	if i < len(a.msgs) && a.msgs[i].msgID == id {
		return a.msgs[i]
	}
	return nil
}

func setOrClear(m map[string]bool, k string, on bool) {
	if on {
		m[k] = true
	} else {
		delete(m, k)
	}
}

// canonFlag spells system flags canonically and keeps keywords as given.
func canonFlag(f string) string {
	for _, s := range []string{`\Seen`, `\Answered`, `\Flagged`, `\Deleted`, `\Draft`, `\Recent`} {
		if strings.EqualFold(f, s) {
			return s
		}
	}
	return f
}

// canonLabel spells system labels canonically (Gmail accepts any case).
func canonLabel(l string) string {
	for _, s := range []string{LabelInbox, LabelSent, LabelDraft, LabelImportant, LabelStarred, LabelTrash, LabelSpam} {
		if strings.EqualFold(l, s) {
			return s
		}
	}
	if strings.EqualFold(l, "INBOX") {
		return LabelInbox
	}
	return l
}
