package imapclient_test

import (
	"context"
	"fmt"
	"log"
	"os/signal"
	"syscall"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/imapclient"
)

// Connect, log in, select INBOX and run the command of the copimap
// synopsis, `FETCH 1:5 (UID INTERNALDATE ENVELOPE FLAGS)`, once as values
// (any command, any extension) and once typed.
func Example() {
	ctx := context.Background()
	c, err := imapclient.Dial(ctx, "imap.example.org:993", nil) // implicit TLS, system roots
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(ctx, "me@example.org", imapclient.SecretString("app-password")); err != nil {
		log.Fatal(err)
	}
	if _, err := c.Select(ctx, "INBOX", nil); err != nil {
		log.Fatal(err)
	}

	// As values: the generic command returns the tagged result and the
	// untagged responses as imap.Response trees.
	res, err := c.Command(ctx, imap.Atom("FETCH"), imap.SeqRangeSet(1, 5),
		imap.List{imap.Atom("UID"), imap.Atom("INTERNALDATE"), imap.Atom("ENVELOPE"), imap.Atom("FLAGS")})
	if err != nil {
		log.Fatal(err)
	}
	for _, resp := range res.Untagged {
		fmt.Println(resp) // * 1 FETCH (UID 41 INTERNALDATE "..." ENVELOPE (...) FLAGS (\Seen))
	}
	fmt.Println(res.Tagged.Status, res.Tagged.Text)

	// Typed: the same data as imap.FetchData.
	typed, err := c.Fetch(ctx, imap.SeqRangeSet(1, 5), imapclient.Items("UID", "INTERNALDATE", "ENVELOPE", "FLAGS"), nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range typed.Messages {
		fmt.Println(m.Seq, m.UID, m.InternalDate.Format("2006-01-02"), m.Envelope.Subject, m.Flags)
	}
}

// Idle on INBOX until interrupted, printing what the server pushes. Other
// goroutines may issue commands meanwhile: IDLE is ended, the command
// runs, and IDLE resumes.
func ExampleClient_Idle() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	handler := func(ev imapclient.Event) {
		switch ev.Kind {
		case imapclient.EventExists:
			fmt.Println("now", ev.Num, "messages")
		case imapclient.EventExpunge:
			fmt.Println("message", ev.Num, "expunged")
		case imapclient.EventVanished:
			fmt.Println("UIDs", ev.UIDs, "expunged")
		case imapclient.EventFetch:
			fmt.Println("message", ev.Fetch.Seq, "flags now", ev.Fetch.Flags)
		}
	}
	c, err := imapclient.Dial(ctx, "imap.example.org:993", &imapclient.Options{Handler: handler})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(ctx, "me@example.org", imapclient.SecretString("app-password")); err != nil {
		log.Fatal(err)
	}
	if _, err := c.Select(ctx, "INBOX", nil); err != nil {
		log.Fatal(err)
	}
	if err := c.Idle(ctx); err != nil { // returns nil when ctx ends
		log.Fatal(err)
	}
}

// The password comes from a command run through the shell (its standard
// output, trailing newline removed), run again for every login and not
// kept by the client; here `pass`, over STARTTLS on port 143.
func ExampleSecretCommand() {
	ctx := context.Background()
	c, err := imapclient.Dial(ctx, "imap.example.org:143", &imapclient.Options{STARTTLS: true})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	err = c.Auth(ctx, imapclient.Credentials{
		Username: "me@example.org",
		Secret:   imapclient.SecretCommand("pass show mail/example.org"),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.State())
}

// A Session reconnects by itself and keeps idling across reconnects;
// what happens is reported through the Handler.
func ExampleNewSession() {
	ctx := context.Background()
	handler := func(ev imapclient.Event) {
		switch ev.Kind {
		case imapclient.EventDisconnected:
			log.Println("connection lost:", ev.Err)
		case imapclient.EventReconnected:
			log.Println("reconnected; re-selected", ev.Mailbox, "UIDVALIDITY", ev.Selected.UIDValidity)
		case imapclient.EventExists:
			log.Println("now", ev.Num, "messages")
		}
	}
	s, err := imapclient.NewSession(ctx, imapclient.SessionOptions{
		Addr:        "imap.example.org:993",
		Options:     imapclient.Options{Handler: handler},
		Credentials: imapclient.Credentials{Username: "me@example.org", Secret: imapclient.SecretCommand("pass show mail")},
		Enable:      []imap.Cap{imap.CapQResync},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Select(ctx, "INBOX", &imapclient.SelectOptions{CondStore: true}); err != nil {
		log.Fatal(err)
	}
	if err := s.Idle(ctx); err != nil {
		log.Fatal(err)
	}
}
