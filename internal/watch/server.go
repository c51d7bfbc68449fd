package watch

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/imapclient"
)

// errKicked ends a listening session on purpose: the wall clock jumped
// and the connection is likely dead, so it is replaced at once.
var errKicked = errors.New("re-checking after a clock jump")

// stableSession is how long a session must have lasted for the backoff to
// start afresh after it fails: a server that accepts and drops at once
// still gets growing delays.
const stableSession = 30 * time.Second

// notifyEvents are the NOTIFY events asked for every personal mailbox
// (RFC 5465 §5): FlagChange needs the other two.
var notifyEvents = []string{"MessageNew", "MessageExpunge", "FlagChange", "MailboxName"}

// listen keeps one listening connection up until ctx ends, redialing with
// backoff after each failure. mailbox "" is the primary listener: it uses
// NOTIFY when the server offers it and otherwise idles on INBOX, polls the
// other mailboxes and starts one listener per other hot mailbox.
func (a *account) listen(ctx context.Context, mailbox string, wg *sync.WaitGroup) {
	defer wg.Done()
	attempt, connectedOnce := 0, false
	spawned := false
	for {
		began := time.Now()
		connected, err := a.session(ctx, mailbox, connectedOnce, func() {
			if !spawned && mailbox == "" {
				spawned = true
				a.startHot(ctx, wg)
			}
		})
		if ctx.Err() != nil {
			return
		}
		if connected {
			connectedOnce = true
			if time.Since(began) >= stableSession {
				attempt = 0 // a session that lasted: the next failure starts the backoff afresh
			}
			select {
			case a.trouble <- struct{}{}:
			default:
			}
		}
		delay := time.Duration(0)
		if !errors.Is(err, errKicked) {
			delay = a.opts.Backoff.Delay(attempt)
			attempt++
		}
		a.emit(Event{Kind: EventConnection, State: "retrying", Detail: listenerName(mailbox),
			Error: errText(err), RetryIn: delay})
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

func listenerName(mailbox string) string {
	if mailbox == "" {
		return "primary"
	}
	return "idle " + mailbox
}

// startHot starts an IDLE listener for each hot mailbox after INBOX,
// within the connection cap (one connection is left for syncs).
func (a *account) startHot(ctx context.Context, wg *sync.WaitGroup) {
	room := max(a.Connections-2, 0) // the primary and one for syncs
	for _, m := range a.Hot {
		if m == "INBOX" || room == 0 {
			continue
		}
		room--
		wg.Add(1)
		go a.listen(ctx, m, wg)
	}
}

// session runs one listening connection until it fails or ctx ends; it
// reports whether it got connected. noNotify is called once the primary
// knows the server lacks NOTIFY.
func (a *account) session(ctx context.Context, mailbox string, reconnect bool, noNotify func()) (connected bool, err error) {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var c *imapclient.Client
	var cmu sync.Mutex
	handler := func(ev imapclient.Event) {
		cmu.Lock()
		cl := c
		cmu.Unlock()
		a.serverEvent(cl, mailbox, ev)
	}
	cl, err := a.Backend.Dial(sctx, handler, a.IdleRestart)
	if err != nil {
		return false, err
	}
	defer cl.Close()
	cmu.Lock()
	c = cl
	cmu.Unlock()
	detail, poll, err := a.subscribe(sctx, c, mailbox)
	if err != nil {
		return false, err
	}
	if detail != "notify" && mailbox == "" {
		noNotify()
	}
	a.emit(Event{Kind: EventConnection, State: "connected", Detail: detail})
	if reconnect {
		a.srv.addFull() // what happened while we were away
	}
	return true, a.hold(sctx, c, poll)
}

// subscribe makes the server report changes on c: NOTIFY for every
// personal mailbox, else EXAMINE of the mailbox for IDLE. poll says
// whether this connection also polls the other mailboxes.
func (a *account) subscribe(ctx context.Context, c *imapclient.Client, mailbox string) (detail string, poll bool, err error) {
	if mailbox == "" && c.Caps().Has(imap.CapNotify) {
		if c.Caps().Has(imap.CapCondStore) {
			if _, err := c.Enable(ctx, imap.CapCondStore); err != nil {
				return "", false, err
			}
		}
		err := c.NotifySet(ctx, false, imapclient.NotifyGroup{Filter: "personal", Events: notifyEvents})
		if err == nil {
			return "notify", false, nil
		}
		var ie *imap.Error
		if !errors.As(err, &ie) {
			return "", false, err
		}
		a.log.Info("NOTIFY refused; idling on INBOX instead", "err", err)
	}
	if mailbox == "" {
		mailbox, poll = "INBOX", true
	}
	if _, err := c.Select(ctx, mailbox, &imapclient.SelectOptions{ReadOnly: true}); err != nil {
		return "", false, fmt.Errorf("EXAMINE %s: %w", mailbox, err)
	}
	return "idle " + mailbox, poll, nil
}

// serverEvent turns a pushed response into a dirty mailbox. mailbox is the
// one examined ("" for NOTIFY: STATUS responses name theirs).
func (a *account) serverEvent(c *imapclient.Client, mailbox string, ev imapclient.Event) {
	switch ev.Kind {
	case imapclient.EventExists, imapclient.EventExpunge, imapclient.EventVanished, imapclient.EventFetch:
		if mailbox == "" {
			mailbox = "INBOX"
		}
		a.srv.add(mailbox, 0)
	case imapclient.EventOther:
		if c == nil || ev.Resp == nil {
			return
		}
		if st, ok := c.NotifiedStatus(ev); ok {
			if a.Match(st.Mailbox) {
				a.srv.add(st.Mailbox, uint64(st.HighestModSeq))
			}
			return
		}
		if l, ok := c.NotifiedList(ev); ok { // MailboxName (RFC 5465 §5.4)
			switch {
			case l.HasAttr(imap.AttrNonExistent) || l.OldName != "":
				a.srv.addFull() // deleted or renamed: discovery handles both sides
			case a.Match(l.Name) && !l.HasAttr(imap.AttrNoSelect):
				a.srv.add(l.Name, 0) // created: its sync creates the counterpart
			}
		}
	}
}

// hold keeps c idling until it fails, ctx ends or a clock jump kicks it;
// every Poll it checks that the server still answers (and, when poll is
// set, whether other mailboxes changed).
func (a *account) hold(ctx context.Context, c *imapclient.Client, poll bool) error {
	idleErr := make(chan error, 1)
	go func() { idleErr <- c.Idle(ctx) }()
	t := time.NewTicker(a.Poll)
	defer t.Stop()
	seen := map[string]*imap.StatusData{}
	if poll {
		if err := a.pollStatus(ctx, c, seen); err != nil {
			return err
		}
	}
	for {
		select {
		case <-ctx.Done():
			<-idleErr
			return ctx.Err()
		case err := <-idleErr:
			if err == nil {
				err = errors.New("IDLE ended")
			}
			return err
		case <-a.kicked():
			c.Close()
			<-idleErr
			return errKicked
		case <-t.C:
		}
		var err error
		if poll {
			err = a.pollStatus(ctx, c, seen)
		} else {
			err = a.alive(ctx, c)
		}
		if err != nil {
			c.Close()
			<-idleErr
			return err
		}
	}
}

// alive sends NOOP with a deadline: a connection that does not answer is
// dead even if TCP has not noticed yet.
func (a *account) alive(ctx context.Context, c *imapclient.Client) error {
	nctx, cancel := context.WithTimeout(ctx, a.opts.LivenessTimeout)
	defer cancel()
	if err := c.Noop(nctx); err != nil {
		return fmt.Errorf("no answer to NOOP: %w", err)
	}
	return nil
}

// statusItems are the STATUS items compared between polls.
var statusItems = []string{"MESSAGES", "UIDNEXT", "UIDVALIDITY"}

// pollStatus asks every selected mailbox's STATUS (one LIST-STATUS when
// offered) and reports those that changed since the previous poll; the
// first poll only records.
func (a *account) pollStatus(ctx context.Context, c *imapclient.Client, seen map[string]*imap.StatusData) error {
	pctx, cancel := context.WithTimeout(ctx, max(a.opts.LivenessTimeout, time.Minute))
	defer cancel()
	items := statusItems
	if c.Caps().Has(imap.CapCondStore) {
		items = append(items[:len(items):len(items)], "HIGHESTMODSEQ")
	}
	now, err := a.statusAll(pctx, c, items)
	if err != nil {
		return err
	}
	first := len(seen) == 0
	for name, st := range now {
		old, ok := seen[name]
		seen[name] = st
		if first || (ok && sameStatus(old, st)) {
			continue
		}
		a.srv.add(name, uint64(st.HighestModSeq))
	}
	return nil
}

// statusAll returns the STATUS of every selected mailbox.
func (a *account) statusAll(ctx context.Context, c *imapclient.Client, items []string) (map[string]*imap.StatusData, error) {
	var opts *imapclient.ListOptions
	if c.Caps().Has(imap.CapListStatus) {
		opts = &imapclient.ListOptions{Status: items}
	}
	res, err := c.List(ctx, "", "*", opts)
	if err != nil {
		return nil, err
	}
	out := map[string]*imap.StatusData{}
	for _, mb := range res.Mailboxes {
		if mb.HasAttr(imap.AttrNoSelect) || mb.HasAttr(imap.AttrNonExistent) || !a.Match(mb.Name) {
			continue
		}
		st := mb.Status
		if st == nil {
			if st, err = c.Status(ctx, mb.Name, items...); err != nil {
				return nil, err
			}
		}
		out[mb.Name] = st
	}
	return out, nil
}

func sameStatus(a, b *imap.StatusData) bool {
	return a.Messages == b.Messages && a.UIDNext == b.UIDNext && a.UIDValidity == b.UIDValidity &&
		a.HighestModSeq == b.HighestModSeq
}
