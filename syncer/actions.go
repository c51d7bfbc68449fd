package syncer

import (
	"bufio"
	"bytes"
	"io"

	"github.com/imapdir/imapdir/mailmsg"
	"github.com/imapdir/imapdir/store"
)

// act tells the observer of a message action, when it listens for them.
func (r *mailboxRun) act(a Action) {
	ao, ok := r.e.obs.(ActionObserver)
	if !ok {
		return
	}
	if a.Mailbox == "" {
		a.Mailbox = r.name
	}
	a.DryRun = r.e.opts.DryRun
	ao.Action(a)
}

// listensForActions reports whether the observer hears message actions.
func (e *Engine) listensForActions() bool {
	_, ok := e.obs.(ActionObserver)
	return ok
}

// actUpdates tells the observer of the store changes of the updates that
// went through (ok[i], or all when ok is nil).
func (r *mailboxRun) actUpdates(ups []PairUpdate, ok []bool) {
	if !r.e.listensForActions() {
		return
	}
	for i, u := range ups {
		if ok != nil && !ok[i] {
			continue
		}
		for s := Far; s <= Near; s++ {
			a := Action{Kind: ActionFlags, To: s, UID: u.Old.UID[s], MessageID: u.Old.MessageID}
			switch {
			case u.Expunge[s]:
				a.Kind = ActionDelete
			case len(u.Add[s])+len(u.Remove[s]) > 0:
				a.Add, a.Remove = u.Add[s], u.Remove[s]
			default:
				continue
			}
			r.act(a)
		}
	}
}

// actCopy tells the observer of a copy from side from.
func (r *mailboxRun) actCopy(from Side, m store.Message, newUID store.UID, subject string) {
	r.act(Action{Kind: ActionCopy, To: from.Other(), UID: m.UID, NewUID: newUID, MessageID: m.MessageID, Subject: subject})
}

// actMove tells the observer of pair p's message moved on side s into
// mailbox dest.
func (r *mailboxRun) actMove(s Side, p Pair, newUID store.UID, dest string) {
	r.act(Action{Kind: ActionMove, To: s, UID: p.UID[s], NewUID: newUID, MessageID: p.MessageID, Dest: dest})
}

// maxSniff bounds the header bytes kept from a streamed body to read its
// Subject.
const maxSniff = 16 << 10

// headSniffer passes a body through, keeping its first maxSniff bytes.
type headSniffer struct {
	r    io.Reader
	head []byte
}

func (h *headSniffer) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if room := maxSniff - len(h.head); room > 0 && n > 0 {
		h.head = append(h.head, p[:min(n, room)]...)
	}
	return n, err
}

// subject returns the decoded Subject of the header read so far, "" when
// there is none or the header is longer than what was kept.
func (h *headSniffer) subject() string {
	if len(h.head) == 0 {
		return ""
	}
	hd, err := mailmsg.ReadHeaderLimit(bufio.NewReader(bytes.NewReader(h.head)), maxSniff)
	if err != nil {
		return ""
	}
	return hd.Text("Subject")
}
