package imapstore

import (
	"context"
	"fmt"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/store"
)

// Mailbox is an open mailbox, used by one goroutine at a time
// (store.Mailbox). It holds a pooled connection with the mailbox selected
// from the first operation that needs the server on; until then (a
// mailbox opened with the state ListMailboxes saw) it holds nothing.
type Mailbox struct {
	s      *Store
	name   string // neutral
	srv    string // on the server
	cn     *conn  // nil until attach
	status store.Status
	closed bool
	// used: a command ran since the last SELECT, or the status is the
	// listing's, so its values are no longer the mailbox's state as of
	// now (see Changes).
	used bool
	// listed is what listings said of each message, checked against
	// the bodies fetched (verify.go).
	listed listedSet
	// appended: a message was appended since the session's view was last
	// synced (see catchUp).
	appended bool
}

var _ store.Mailbox = (*Mailbox)(nil)

// OpenMailbox opens name. When the last ListMailboxes reported its state,
// that state is its Status and nothing is sent: a connection is taken and
// the mailbox SELECTed only when an operation needs it (see Changes, which
// needs none when nothing changed). Otherwise it takes a connection from
// the pool (dialing one when fewer than Options.Connections exist, else
// waiting, bounded by ctx) and SELECTs name (RFC 9051 §6.3.2) with
// CONDSTORE when the server offers it (RFC 7162 §3.1.8), so that
// HIGHESTMODSEQ is known.
func (s *Store) OpenMailbox(ctx context.Context, name string) (store.Mailbox, error) {
	s.prefetch.drop() // see prefetchList
	if err := canceled(ctx, "select", name); err != nil {
		return nil, err
	}
	srv, err := s.serverName("select", name)
	if err != nil {
		return nil, err
	}
	m := &Mailbox{s: s, name: name, srv: srv}
	if st, ok := s.listed.take(srv); ok {
		m.status, m.used = st, true
		return m, nil
	}
	if err := m.attach(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

// attach takes a connection and SELECTs the mailbox, unless it holds one.
func (m *Mailbox) attach(ctx context.Context) error {
	if m.cn != nil {
		return nil
	}
	cn, err := m.s.pool.get(ctx)
	if err != nil {
		return m.s.gradeGet("select", m.name, err)
	}
	m.cn = cn
	if _, err := m.selectBox(ctx); err != nil {
		if !cn.broken.Load() {
			err = m.s.notFoundOr(ctx, cn, m.srv, err)
		}
		m.cn = nil
		m.s.pool.put(cn)
		return grade("select", m.name, 0, cn.fail(err))
	}
	return nil
}

// selectBox (re-)selects the mailbox and records its status. With QRESYNC
// enabled, a SELECT while selected first closes the old selection
// (RFC 7162 §3.2.11, the CLOSED code); the client handles that.
// PERMANENTFLAGS without `\*` turns Features().Keywords off.
func (m *Mailbox) selectBox(ctx context.Context) (*imap.SelectData, error) {
	sel, err := m.cn.c.Select(ctx, m.srv, &imapclient.SelectOptions{CondStore: m.s.caps.condStore})
	if err != nil {
		return nil, m.cn.fail(err)
	}
	if !keywordsAllowed(sel) {
		m.s.noKeywords.Store(true)
	}
	m.used = false
	m.status = store.Status{UIDValidity: sel.UIDValidity, UIDNext: store.UID(sel.UIDNext), Messages: int(sel.Exists)}
	if sel.UIDNext != 0 && uint64(sel.UIDNext) <= uint64(sel.Exists) {
		// UIDs are distinct and below UIDNEXT (RFC 9051 §2.3.1.1): n
		// messages need UIDNEXT > n. Taken as unknown (as from a server
		// that sends none); the listing then finds the real one.
		m.s.log.Warn("imapstore: the server's UIDNEXT is below its message count; ignored", "mailbox", m.name, "uidnext", sel.UIDNext, "exists", sel.Exists)
		m.status.UIDNext = 0
	}
	if m.s.caps.condStore && !sel.NoModSeq {
		m.status.HighestModSeq = store.ModSeq(sel.HighestModSeq)
	}
	return sel, nil
}

// Name returns the neutral name.
func (m *Mailbox) Name() string { return m.name }

// Status returns the values of the last SELECT (or, before any, of the
// listing OpenMailbox found), raised by the last full listing (message
// count, UIDNEXT above the highest UID listed, HIGHESTMODSEQ at least the
// highest MODSEQ listed).
func (m *Mailbox) Status() store.Status { return m.status }

// Close leaves the mailbox without expunging (UNSELECT, or EXAMINE +
// CLOSE) and returns the connection to the pool; a connection in an
// unknown state is closed instead. Closing twice is a no-op.
func (m *Mailbox) Close() error {
	if m.closed {
		return nil
	}
	m.closed = true
	if m.cn == nil {
		return nil
	}
	if m.cn.alive() {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		if err := m.s.leave(ctx, m.cn); err != nil {
			m.cn.broken.Store(true)
		}
		cancel()
	}
	m.s.pool.put(m.cn)
	return nil
}

// begin checks that an operation may run (the mailbox is open, ctx has
// not ended), makes sure it holds a usable connection with the mailbox
// selected, then catches up with its own appends (catchUp).
func (m *Mailbox) begin(ctx context.Context, op string) error {
	if err := m.check(ctx, op); err != nil {
		return err
	}
	if err := m.attach(ctx); err != nil {
		return err
	}
	if !m.cn.alive() {
		return store.Errorf(store.ScopeMailbox, true, op, m.name, 0, "imapstore: the connection was lost, reopen the mailbox: %w", imapclient.ErrClosed)
	}
	m.used = m.used || op != "changes"
	if op != "append" {
		if err := m.catchUp(ctx); err != nil {
			return m.done(op, 0, err)
		}
	}
	return nil
}

// check reports an operation on a closed mailbox or with an ended ctx.
func (m *Mailbox) check(ctx context.Context, op string) error {
	if m.closed {
		return store.Errorf(store.ScopeMailbox, false, op, m.name, 0, "imapstore: mailbox is closed")
	}
	return canceled(ctx, op, m.name)
}

// done grades the error of an operation, marking the connection broken
// when the error leaves the session in an unknown state.
func (m *Mailbox) done(op string, uid store.UID, err error) error {
	if m.cn != nil {
		err = m.cn.fail(err)
	}
	return grade(op, m.name, uid, err)
}

// command runs a generic command on the mailbox's connection.
func (m *Mailbox) command(ctx context.Context, args ...imap.Value) (*imapclient.Result, error) {
	res, err := m.cn.c.Command(ctx, args...)
	if err != nil {
		return res, m.cn.fail(fmt.Errorf("%s: %w", commandName(args), err))
	}
	return res, nil
}

// commandName names a command for error messages.
func commandName(args []imap.Value) string {
	if len(args) == 0 {
		return "command"
	}
	name := fmt.Sprint(args[0])
	if name == "UID" && len(args) > 1 {
		name += " " + fmt.Sprint(args[1])
	}
	return name
}

// sync asks the server for news with NOOP (RFC 9051 §6.1.2). Some servers
// (Dovecot) evaluate SEARCH and FETCH on the session's view of the
// mailbox, which only takes in messages added by others when the server
// syncs, between commands; a NOOP first makes them visible.
func (m *Mailbox) sync(ctx context.Context) error {
	_, err := m.command(ctx, imap.Atom("NOOP"))
	if err == nil {
		m.appended = false
	}
	return err
}

// catchUp syncs when this mailbox appended since the last sync, before a
// command that names messages by UID. Courier-IMAP 5 does not announce a
// message appended to the selected mailbox (RFC 9051 §6.3.12 says
// SHOULD) until a later NOOP, and until then ignores its UID in FETCH,
// STORE and EXPUNGE.
func (m *Mailbox) catchUp(ctx context.Context) error {
	if !m.appended {
		return nil
	}
	return m.sync(ctx)
}
