package imapclient_test

import (
	"context"
	"fmt"
	"log"
	"sync"
	"time"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/imapclient"
)

// login dials and logs in to the example account.
func login(ctx context.Context, a account) *imapclient.Client {
	c, err := imapclient.Dial(ctx, a.Addr, &a.Options)
	if err != nil {
		log.Fatal(err)
	}
	if err := c.Login(ctx, a.User, a.Password); err != nil {
		log.Fatal(err)
	}
	return c
}

// ENVELOPE comes decoded: the subject and display names as people read
// them (RFC 2047 words in any charset), the raw text kept alongside.
func Example_decodedText() {
	ctx := context.Background()
	c := login(ctx, exampleAccount())
	defer c.Close()
	if _, err := c.Select(ctx, "INBOX", nil); err != nil {
		log.Fatal(err)
	}
	res, err := c.Fetch(ctx, imap.SeqSetOf(1), imapclient.Items("ENVELOPE"), nil)
	if err != nil {
		log.Fatal(err)
	}
	env := res.Messages[0].Envelope
	fmt.Println(env.Subject)
	fmt.Println(env.RawSubject)
	fmt.Println(env.From[0])
	// Output:
	// Grüße aus Köln
	// =?UTF-8?B?R3LDvMOfZQ==?= aus =?ISO-8859-1?Q?K=F6ln?=
	// Jürgen Müller <jm@example.org>
}

// BODYSTRUCTURE parameters come decoded (RFC 2231 charsets and
// continuations), and Filename gives each attachment's file name.
func Example_attachments() {
	ctx := context.Background()
	c := login(ctx, exampleAccount())
	defer c.Close()
	if _, err := c.Select(ctx, "INBOX", nil); err != nil {
		log.Fatal(err)
	}
	res, err := c.Fetch(ctx, imap.SeqSetOf(1), imapclient.Items("BODYSTRUCTURE"), nil)
	if err != nil {
		log.Fatal(err)
	}
	res.Messages[0].BodyStructure.Walk(func(path []int, part *imap.BodyStructure) bool {
		if name := part.Filename(); name != "" {
			fmt.Println(path, part.MediaType(), name)
		}
		return true
	})
	// Output:
	// [2] application/pdf Grüße.pdf
}

// Handlers are registered and removed at any time, per event kind or per
// response name; here one that reports new messages while the client
// idles.
func ExampleClient_Handle() {
	ctx := context.Background()
	acct := exampleAccount()
	c := login(ctx, acct)
	defer c.Close()
	if _, err := c.Select(ctx, "INBOX", nil); err != nil {
		log.Fatal(err)
	}
	arrived := make(chan uint32, 1)
	remove := c.Handle(imapclient.EventExists, func(ev imapclient.Event) { arrived <- ev.Num })
	defer remove()
	idleCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.Idle(idleCtx)
	}()
	c.Noop(ctx) // the server now knows the client; a message arrives:
	acct.deliver("Subject: second\r\n\r\nhi\r\n")
	fmt.Println("messages:", <-arrived)
	stop()
	wg.Wait()
	// Output:
	// messages: 2
}

// A Session has the typed methods of Client; reads such as Status and
// UIDFetch are run again after a reconnect if the connection fails under
// them, writes fail with a retryable error instead.
func ExampleSession_UIDFetch() {
	ctx := context.Background()
	acct := exampleAccount()
	s, err := imapclient.NewSession(ctx, imapclient.SessionOptions{
		Addr: acct.Addr, Options: acct.Options,
		Credentials: imapclient.Credentials{Username: acct.User, Secret: acct.Password},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	st, err := s.Status(ctx, "INBOX", "MESSAGES", "UIDNEXT")
	if err != nil {
		log.Fatal(err)
	}
	if _, err := s.Select(ctx, "INBOX", nil); err != nil {
		log.Fatal(err)
	}
	res, err := s.UIDFetch(ctx, imap.UIDSetOf(st.UIDNext-1), imapclient.Items("ENVELOPE"), nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(st.Messages, res.Messages[0].Envelope.Subject)
	// Output:
	// 1 Grüße aus Köln
}

// Search sends CHARSET UTF-8 itself when a criterion is not ASCII; any
// number of searches may run at once on one connection, each gets its
// own answer.
func ExampleClient_UIDSearch() {
	ctx := context.Background()
	c := login(ctx, exampleAccount())
	defer c.Close()
	if _, err := c.Select(ctx, "INBOX", nil); err != nil {
		log.Fatal(err)
	}
	words := []string{"Grüße", "Köln", "Paris"}
	found := make([]string, len(words))
	var wg sync.WaitGroup
	for i, w := range words {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := c.UIDSearch(ctx, imap.Atom("SUBJECT"), imap.Str(w))
			if err != nil {
				log.Fatal(err)
			}
			found[i] = fmt.Sprintf("%s: %d found", w, d.UIDs.Len())
		}()
	}
	wg.Wait()
	for _, f := range found {
		fmt.Println(f)
	}
	// Output:
	// Grüße: 1 found
	// Köln: 1 found
	// Paris: 0 found
}

// DecoderOptions bound what a server's responses may make the client
// allocate; a response beyond them closes the connection.
func ExampleDecoderOptions() {
	ctx := context.Background()
	acct := exampleAccount()
	acct.Options.Decoder = imapclient.DecoderOptions{MaxLiteral: 64 << 10, MaxLine: 1 << 20}
	c := login(ctx, acct)
	defer c.Close()
	st, err := c.Status(ctx, "INBOX", "MESSAGES")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(st.Messages)
	// Output:
	// 1
}

// While Idle runs, commands from other goroutines end IDLE, run, and IDLE
// resumes once the connection has been without commands for IdleGrace,
// so a burst of commands costs one DONE and one IDLE.
func ExampleOptions_idleGrace() {
	ctx := context.Background()
	acct := exampleAccount()
	acct.Options.IdleGrace = 200 * time.Millisecond
	c := login(ctx, acct)
	defer c.Close()
	if _, err := c.Select(ctx, "INBOX", nil); err != nil {
		log.Fatal(err)
	}
	idleCtx, stop := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- c.Idle(idleCtx) }()
	for range 5 {
		if err := c.Noop(ctx); err != nil {
			log.Fatal(err)
		}
	}
	stop()
	fmt.Println(<-done)
	// Output:
	// <nil>
}

// HandleResponse registers a handler by response name ("*" for all); here
// the flag changes another connection makes show up while this one idles.
func ExampleClient_HandleResponse() {
	ctx := context.Background()
	acct := exampleAccount()
	c, other := login(ctx, acct), login(ctx, acct)
	defer c.Close()
	defer other.Close()
	for _, x := range []*imapclient.Client{c, other} {
		if _, err := x.Select(ctx, "INBOX", nil); err != nil {
			log.Fatal(err)
		}
	}
	changed := make(chan *imap.FetchData, 1)
	remove := c.HandleResponse("FETCH", func(ev imapclient.Event) { changed <- ev.Fetch })
	defer remove()
	idleCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.Idle(idleCtx)
	}()
	if _, err := other.Store(ctx, imap.SeqSetOf(1), imapclient.StoreAdd, []imap.Flag{imap.FlagFlagged}, nil); err != nil {
		log.Fatal(err)
	}
	m := <-changed
	fmt.Println(m.Seq, imap.HasFlag(m.Flags, imap.FlagFlagged))
	stop()
	wg.Wait()
	// Output:
	// 1 true
}
