package watch

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/imapdir/imapdir/mailmsg"
	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/syncer"
)

// maxNewListed bounds the messages whose From and Subject a new-mail
// report reads.
const maxNewListed = 20

// report is one mailbox's outcome in a job.
type report struct {
	mailbox        string
	started        time.Time
	pulled, pushed Counts
	newMail        Event        // Count, From, Subject of the newest
	newList        []newMessage // at most maxNewListed, oldest first
	err            error
}

// newMessage is one message that arrived from the server.
type newMessage struct{ from, subject string }

// work runs a job on the worker goroutine.
func (l *loop) work(ctx context.Context, j job) jobResult {
	res := jobResult{job: j, started: time.Now()}
	if l.eng == nil {
		eng, err := l.Backend.OpenEngine(ctx, l.db)
		if err != nil {
			res.err = fmt.Errorf("opening the stores: %w", err)
			return res
		}
		l.eng = eng
	}
	before := l.nearUIDNext(ctx)
	if j.full {
		out, err := l.eng.SyncAccount(ctx)
		res.err = err
		for _, r := range out.Mailboxes {
			res.reports = append(res.reports, l.reportOf(ctx, r, res.started, before))
		}
	} else {
		// The job's mailboxes in one engine call, so that a message a
		// mail reader (or another client) moved between two of them is
		// carried over as a move, not as a copy plus a deletion.
		out, err := l.eng.SyncMailboxes(ctx, j.mailboxes)
		for _, r := range out.Mailboxes {
			res.reports = append(res.reports, l.reportOf(ctx, r, res.started, before))
		}
		if sc := store.ScopeOf(err); err != nil && (sc == store.ScopeStore || sc == store.ScopeCanceled || ctx.Err() != nil) {
			res.err = err
		}
	}
	if res.err != nil {
		l.closeEngine() // connections may be dead: reopen for the next job
	}
	return res
}

func (l *loop) reportOf(ctx context.Context, r syncer.MailboxReport, started time.Time, before map[string]uint32) report {
	rep := report{mailbox: r.Mailbox, started: started, err: r.Err}
	rep.pulled, rep.pushed = countsOf(r)
	if r.Err != nil || rep.pulled.New == 0 {
		return rep
	}
	rep.newMail.Count = rep.pulled.New
	if next, ok := before[r.Mailbox]; ok { // a first sync is no news
		rep.newList = l.newMessages(ctx, r.Mailbox, next, rep.pulled.New)
		if n := len(rep.newList); n > 0 {
			rep.newMail.From, rep.newMail.Subject = rep.newList[n-1].from, rep.newList[n-1].subject
		}
	} else {
		rep.newMail.Count = 0
	}
	return rep
}

// nearUIDNext returns each Maildir folder's next UID.
func (l *loop) nearUIDNext(ctx context.Context) map[string]uint32 {
	out := map[string]uint32{}
	_ = l.db.View(ctx, func(tx *statedb.Tx) error {
		mbs, err := tx.NearMailboxes()
		for _, mb := range mbs {
			out[mb.Name] = mb.UIDNext
		}
		return err
	})
	return out
}

// newMessages reads From and Subject of the newest count messages of
// mailbox with UIDs from next on: those the sync delivered (it assigns
// UIDs to local newcomers first, then to what it pulls).
func (l *loop) newMessages(ctx context.Context, mailbox string, next uint32, count int) []newMessage {
	var files []string
	_ = l.db.View(ctx, func(tx *statedb.Tx) error {
		mb, found, err := tx.NearMailboxByName(mailbox)
		if err != nil || !found {
			return err
		}
		return tx.IterateNearMessages(mb.ID, next-1, func(m statedb.NearMessage) error {
			files = append(files, filepath.Join(m.Subdir, m.FileName))
			return nil
		})
	})
	files = files[max(0, len(files)-min(count, maxNewListed)):]
	dir, err := l.Layout.Path(l.Maildir, mailbox)
	if err != nil {
		return nil
	}
	var out []newMessage
	for _, f := range files {
		if m, ok := readNewMessage(filepath.Join(dir, f)); ok {
			out = append(out, m)
		}
	}
	return out
}

// readNewMessage reads a message file's From and Subject, decoded
// (RFC 2047), from at most 64 KiB of header.
func readNewMessage(path string) (newMessage, bool) {
	f, err := os.Open(path)
	if err != nil {
		return newMessage{}, false
	}
	defer f.Close()
	h, err := mailmsg.ReadHeaderLimit(bufio.NewReader(f), 64<<10)
	if err != nil {
		return newMessage{}, false
	}
	return newMessage{from: oneLine(h.Text("From")), subject: oneLine(h.Text("Subject"))}, true
}

// oneLine keeps a header value on one line, without control characters,
// at most 200 characters.
func oneLine(s string) string {
	b := make([]rune, 0, len(s))
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			r = ' '
		}
		b = append(b, r)
	}
	if len(b) > 200 {
		b = b[:200]
	}
	return string(b)
}
