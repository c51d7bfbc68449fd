// Command imaprepl is an IMAP read-eval-print loop: each line typed is
// sent as a command (the tag is added), and the server's answer is
// printed, untagged data first, then the completion. Data the server
// pushes meanwhile (EXISTS, EXPUNGE, flag changes) is printed as it comes.
//
//	imaprepl -addr imap.example.org:993 -user me -pass-cmd 'pass show mail'
//	> SELECT INBOX
//	> UID FETCH 1:* (FLAGS ENVELOPE)
//
// The line is sent as typed (mailbox names in modified UTF-7, no
// literals), so it shows the protocol as it is.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"

	"github.com/imapdir/imapdir/examples/internal/account"
	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/imapclient"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "imaprepl:", err)
		os.Exit(1)
	}
}

// run reads commands from in until EOF or LOGOUT and prints to out.
func run(ctx context.Context, args []string, in io.Reader, out io.Writer) error {
	fs := flag.NewFlagSet("imaprepl", flag.ContinueOnError)
	acct := account.Register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	// out is shared with the handler, which may still run after Close
	// (queued events are delivered): it stops printing when run returns.
	var mu sync.Mutex
	over := false
	defer func() {
		mu.Lock()
		over = true
		mu.Unlock()
	}()
	say := func(s string) {
		mu.Lock()
		if !over {
			fmt.Fprintln(out, s)
		}
		mu.Unlock()
	}
	c, err := acct.Dial(ctx, func(ev imapclient.Event) {
		if ev.Resp != nil {
			say("(pushed) " + ev.Resp.String())
		}
	})
	if err != nil {
		return err
	}
	defer c.Close()
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		res, err := c.Command(ctx, commandArgs(line)...)
		if res != nil {
			for _, r := range res.Untagged {
				say(r.String())
			}
		}
		var ie *imap.Error
		switch {
		case errors.As(err, &ie):
			say(err.Error())
		case err != nil && strings.EqualFold(line, "LOGOUT"):
			return nil
		case err != nil:
			return err
		default:
			say(string(res.Tagged.Status) + " " + res.Tagged.Text)
		}
	}
	return sc.Err()
}

// commandArgs sends the command name (and the word after UID) as atoms,
// so that the client knows which command it runs, and the rest as typed.
func commandArgs(line string) []imap.Value {
	name, rest, _ := strings.Cut(line, " ")
	args := []imap.Value{imap.Atom(name)}
	if strings.EqualFold(name, "UID") {
		var sub string
		sub, rest, _ = strings.Cut(rest, " ")
		args = append(args, imap.Atom(sub))
	}
	if rest = strings.TrimSpace(rest); rest != "" {
		args = append(args, imap.Raw(rest))
	}
	return args
}
