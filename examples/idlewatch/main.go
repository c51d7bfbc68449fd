// Command idlewatch waits in IDLE on a mailbox and prints the sender and
// subject of each message that arrives, decoded (RFC 2047), until
// interrupted. It reconnects by itself when the connection drops.
//
//	idlewatch -addr imap.example.org:993 -user me -pass-cmd 'pass show mail'
//	watching INBOX
//	Jürgen Müller <jm@example.org>: Grüße aus Köln
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/imapdir/imapdir/examples/internal/account"
	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/imapclient"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "idlewatch:", err)
		os.Exit(1)
	}
}

// run watches until ctx ends.
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("idlewatch", flag.ContinueOnError)
	acct := account.Register(fs)
	mailbox := fs.String("mailbox", "INBOX", "mailbox to watch")
	if err := fs.Parse(args); err != nil {
		return err
	}
	opts, err := acct.Options()
	if err != nil {
		return err
	}
	s, err := imapclient.NewSession(ctx, imapclient.SessionOptions{Addr: acct.Addr, Options: opts, Credentials: acct.Credentials()})
	if err != nil {
		return err
	}
	defer s.Close()
	sel, err := s.Select(ctx, *mailbox, &imapclient.SelectOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	// A new message shows as EXISTS; the handler only signals, the
	// fetching happens here (handlers should not wait on the server).
	arrived := make(chan struct{}, 1)
	s.Handle(imapclient.EventExists, func(imapclient.Event) {
		select {
		case arrived <- struct{}{}:
		default:
		}
	})
	go s.Idle(ctx)
	fmt.Fprintln(out, "watching", *mailbox)
	next := sel.UIDNext
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-arrived:
		}
		if next, err = printNew(ctx, s, next, out); err != nil && ctx.Err() == nil {
			return err
		}
	}
}

// printNew prints the messages from UID next on and returns the UID after
// the last one.
func printNew(ctx context.Context, s *imapclient.Session, next imap.UID, out io.Writer) (imap.UID, error) {
	res, err := s.UIDFetch(ctx, imap.UIDRangeSet(next, 0), imapclient.Items("UID", "ENVELOPE"), nil) // next:*
	if err != nil {
		return next, err
	}
	for _, m := range res.Messages {
		if m.UID < next { // "*" is the last UID even when it is older
			continue
		}
		from := ""
		if len(m.Envelope.From) > 0 {
			from = m.Envelope.From[0].String()
		}
		fmt.Fprintf(out, "%s: %s\n", from, m.Envelope.Subject)
		next = max(next, m.UID+1)
	}
	return next, nil
}
