package config

import (
	"time"

	"github.com/BurntSushi/toml"
)

// MailboxSettings are what one mailbox may set for itself in an
// [accounts.NAME.mailbox."BOX"] table (see mailboxKeys): the account's
// settings with the table's keys over them.
type MailboxSettings struct {
	Sync               SyncOps
	Expunge            Sides
	MaxSize            int64
	MaxAge             time.Duration
	StartDate          time.Time
	DeleteGuardPercent int
	DeleteGuardCount   int
}

// mailboxKeys are the account keys a mailbox table may hold.
var mailboxKeys = []string{"sync", "expunge", "max_size", "max_age", "start_date", "delete_guard_percent", "delete_guard_count"}

// settings returns a's own values of the mailbox keys.
func (a *Account) settings() MailboxSettings {
	return MailboxSettings{Sync: a.Sync, Expunge: a.Expunge, MaxSize: a.MaxSize, MaxAge: a.MaxAge,
		StartDate: a.StartDate, DeleteGuardPercent: a.DeleteGuardPercent, DeleteGuardCount: a.DeleteGuardCount}
}

// ForMailbox returns the settings of the mailbox with this neutral name
// ("Archive", "Lists/Go"): its own table's, else the account's.
func (a *Account) ForMailbox(name string) MailboxSettings {
	if m, ok := a.Mailboxes[name]; ok {
		return m
	}
	return a.settings()
}

// SetSync sets what propagates for the account and every mailbox of it,
// as a command-line override does.
func (a *Account) SetSync(ops SyncOps) {
	a.Sync = ops
	for name, m := range a.Mailboxes {
		m.Sync = ops
		a.Mailboxes[name] = m
	}
}

// SetExpunge sets where messages are expunged for the account and every
// mailbox of it, as a command-line override does.
func (a *Account) SetExpunge(s Sides) {
	a.Expunge = s
	for name, m := range a.Mailboxes {
		m.Expunge = s
		a.Mailboxes[name] = m
	}
}

// setMailboxes keeps the "mailbox" table to read once the account's own
// keys are known (see mailboxes).
func setMailboxes(p *parser, k toml.Key, v any, a *Account) {
	if t, ok := p.table(k, v); ok {
		a.mailboxTables = t
		a.mailboxKey = k
	}
}

// mailboxes reads each [accounts.NAME.mailbox."BOX"] table over the
// account's finished settings.
func (p *parser) mailboxes(a *Account) {
	if a.mailboxTables == nil {
		return
	}
	a.Mailboxes = map[string]MailboxSettings{}
	for _, name := range sortedKeys(a.mailboxTables) {
		key := append(append(toml.Key{}, a.mailboxKey...), name)
		t, ok := p.table(key, a.mailboxTables[name])
		if !ok {
			continue
		}
		if name == "" {
			p.fail(key, "a mailbox name must not be empty")
			continue
		}
		m := *a
		_, ownAge := t["max_age"]
		_, ownDate := t["start_date"]
		if ownAge && ownDate {
			p.fail(key, "set only one of max_age and start_date")
		}
		if ownAge { // the mailbox's age limit replaces the account's
			m.StartDate = time.Time{}
		}
		if ownDate {
			m.MaxAge = 0
		}
		for _, k := range sortedKeys(t) {
			kk := append(append(toml.Key{}, key...), k)
			if !isMailboxKey(k) {
				p.unknown(kk, mailboxKeys)
				continue
			}
			fields[k](p, kk, t[k], &m)
		}
		a.Mailboxes[name] = m.settings()
	}
	a.mailboxTables, a.mailboxKey = nil, nil
}

func isMailboxKey(k string) bool {
	for _, m := range mailboxKeys {
		if m == k {
			return true
		}
	}
	return false
}
