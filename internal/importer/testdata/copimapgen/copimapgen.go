// Package copimapgen builds Maildir folders as copimap
// (mishoo/copimap.lisp) leaves them, for the import tests: the files under
// copimap's names and the folder database .copimap.sqlite3 with copimap's
// schema (database version 1), written from its documented tables, not by
// running copimap (a Common Lisp program no Debian package provides).
package copimapgen

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the pure-Go driver "sqlite"
)

// Message is one message copimap fetched.
type Message struct {
	UID          uint32
	Raw          []byte   // as stored: LF line endings
	Flags        []string // the server's flags, IMAP names (`\Seen`)
	Labels       []string // Gmail labels
	MessageID    string   // the envelope's Message-ID, with its brackets
	InternalDate time.Time
}

// Folder is one local store: a Maildir folder and its server mailbox's
// state.
type Folder struct {
	Dir                  string
	UIDValidity, UIDNext uint32
	HighestModSeq        uint64
	Messages             []Message
}

// universal is the Common Lisp universal time of t (seconds since 1900),
// which copimap uses in file names and in the mtime column.
func universal(t time.Time) int64 { return t.Unix() + 2208988800 }

// schema is copimap's database, version 1.
const schema = `
CREATE TABLE mailbox (key VARCHAR(255) NOT NULL PRIMARY KEY, intval INTEGER, txtval TEXT, binval BLOB);
CREATE TABLE message (uid UNSIGNED INTEGER PRIMARY KEY, local_uid UNSIGNED INTEGER UNIQUE,
  path VARCHAR(255) UNIQUE, internaldate INTEGER, message_id VARCHAR(255), mtime UNSIGNED INTEGER,
  encountered BOOLEAN NOT NULL DEFAULT 0);
CREATE INDEX idx_message_mtime ON message(mtime);
CREATE INDEX idx_message_message_id ON message(message_id);
CREATE INDEX idx_message_encountered ON message(encountered);
CREATE TABLE map_flag_message (flag VARCHAR(255), message UNSIGNED INTEGER, PRIMARY KEY (flag, message),
  FOREIGN KEY (message) REFERENCES message(uid) ON DELETE CASCADE ON UPDATE CASCADE);
CREATE INDEX idx_map_flag_message_flag ON map_flag_message(flag);
CREATE TABLE map_label_message (label VARCHAR(255), message UNSIGNED INTEGER, PRIMARY KEY (label, message),
  FOREIGN KEY (message) REFERENCES message(uid) ON DELETE CASCADE ON UPDATE CASCADE);
CREATE INDEX idx_map_label_message_label ON map_label_message(label);
`

// letters maps IMAP flags to Maildir info letters, as copimap does.
var letters = map[string]byte{`\Draft`: 'D', `\Flagged`: 'F', `$Forwarded`: 'P', `\Answered`: 'R', `\Seen`: 'S', `\Deleted`: 'T'}

// Gen writes folders as one copimap process does: it names files
// "copimap.U=<uid>.<time>[_<n>].<host>", time the universal time of the
// fetch and n counting the files named within that second, across all
// folders (so names are unique across the Maildir).
type Gen struct {
	Host  string
	Clock time.Time // the fetch time of the next message; moves on by a second every PerSecond files
	// PerSecond is how many files are named within one second (0: 50).
	PerSecond int
	prev      int64
	n, inSec  int
}

// name is the next file name for a message with uid and flags, relative
// to its folder: in cur/ when seen, else in new/; the ":2," suffix only
// when a flag has a letter.
func (g *Gen) name(uid uint32, flags []string) string {
	per := g.PerSecond
	if per <= 0 {
		per = 50
	}
	if g.inSec >= per {
		g.Clock, g.inSec = g.Clock.Add(time.Second), 0
	}
	g.inSec++
	t := universal(g.Clock)
	stamp := fmt.Sprint(t)
	if t == g.prev {
		g.n++
		stamp = fmt.Sprintf("%d_%d", t, g.n)
	} else {
		g.prev, g.n = t, 0
	}
	var ls []byte
	seen := false
	for _, f := range flags {
		if l, ok := letters[f]; ok {
			ls = append(ls, l)
		}
		seen = seen || f == `\Seen`
	}
	sort.Slice(ls, func(i, j int) bool { return ls[i] < ls[j] })
	name := fmt.Sprintf("copimap.U=%d.%s.%s", uid, stamp, g.Host)
	if len(ls) > 0 {
		name += ":2," + string(ls)
	}
	if seen {
		return "cur/" + name
	}
	return "new/" + name
}

// Write creates the folder's Maildir directories, its files and its
// database, and returns the files' paths relative to the folder, in the
// order of f.Messages.
func (g *Gen) Write(f Folder) ([]string, error) {
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(f.Dir, sub), 0o700); err != nil {
			return nil, err
		}
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(f.Dir, ".copimap.sqlite3"))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.Exec(schema); err != nil {
		return nil, err
	}
	unseen := 0
	names := make([]string, len(f.Messages))
	for i, m := range f.Messages {
		names[i] = g.name(m.UID, m.Flags)
		if err := writeMessage(tx, f.Dir, names[i], m, universal(g.Clock)); err != nil {
			return nil, err
		}
		if !strings.Contains(strings.Join(m.Flags, " "), `\Seen`) {
			unseen++
		}
	}
	for _, kv := range []struct {
		key string
		val int64
	}{
		{"_db_version_", 1}, {"EXISTS", int64(len(f.Messages))}, {"RECENT", 0}, {"UNSEEN", int64(unseen)},
		{"UIDVALIDITY", int64(f.UIDValidity)}, {"UIDNEXT", int64(f.UIDNext)}, {"$HIGHESTMODSEQ", int64(f.HighestModSeq)},
	} {
		if _, err := tx.Exec(`INSERT INTO mailbox (key, intval) VALUES (?, ?)`, kv.key, kv.val); err != nil {
			return nil, err
		}
	}
	return names, tx.Commit()
}

func writeMessage(tx *sql.Tx, dir, name string, m Message, mtime int64) error {
	full := filepath.Join(dir, name)
	if err := os.WriteFile(full, m.Raw, 0o600); err != nil {
		return err
	}
	if err := os.Chtimes(full, m.InternalDate, m.InternalDate); err != nil {
		return err
	}
	_, err := tx.Exec(`INSERT INTO message (uid, local_uid, path, internaldate, message_id, mtime) VALUES (?, ?, ?, ?, ?, ?)`,
		m.UID, m.UID, name, m.InternalDate.Unix(), m.MessageID, mtime)
	if err != nil {
		return err
	}
	for _, fl := range m.Flags {
		if _, err := tx.Exec(`INSERT INTO map_flag_message (flag, message) VALUES (?, ?)`, fl, m.UID); err != nil {
			return err
		}
	}
	for _, l := range m.Labels {
		if _, err := tx.Exec(`INSERT INTO map_label_message (label, message) VALUES (?, ?)`, l, m.UID); err != nil {
			return err
		}
	}
	return nil
}
