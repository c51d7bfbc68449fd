// Command export writes every message of a mailbox to a directory, one
// file per message named after its UID (42.eml), as the server has it.
// Bodies are streamed from the socket to the files: memory stays small
// whatever the size of the messages.
//
//	export -addr imap.example.org:993 -user me -pass-cmd 'pass show mail' -mailbox Archive -dir ./archive
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"

	"github.com/imapdir/imapdir/examples/internal/account"
	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/imapclient"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "export:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	acct := account.Register(fs)
	mailbox := fs.String("mailbox", "INBOX", "mailbox to export")
	dir := fs.String("dir", ".", "directory to write the messages to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := acct.Dial(ctx, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	sel, err := c.Select(ctx, *mailbox, &imapclient.SelectOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	if sel.Exists == 0 {
		fmt.Fprintln(out, "0 messages")
		return nil
	}
	n := 0
	_, err = c.UIDFetch(ctx, imap.UIDRangeSet(1, 0), imapclient.Items("UID", "BODY.PEEK[]"), &imapclient.FetchOptions{
		// Body runs as the bytes arrive: it writes them to a temporary
		// file, whose name becomes the section's Streamed.Ref.
		Body: func(info imapclient.BodyInfo, r io.Reader) (any, error) {
			return writeTemp(*dir, r)
		},
		// OnMessage runs once the message's response is complete, with
		// its UID: the file gets its final name.
		OnMessage: func(m *imap.FetchData) error {
			for _, s := range m.Sections {
				if st, ok := s.Value.(imap.Streamed); ok {
					n++
					return os.Rename(st.Ref.(string), filepath.Join(*dir, strconv.FormatUint(uint64(m.UID), 10)+".eml"))
				}
			}
			return nil
		},
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(out, n, "messages")
	return nil
}

// writeTemp copies r to a new temporary file in dir and returns its name.
func writeTemp(dir string, r io.Reader) (string, error) {
	f, err := os.CreateTemp(dir, ".export-*")
	if err != nil {
		return "", err
	}
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}
