package imapwire_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/imapwire"
)

// Reading responses, with message bodies streamed instead of buffered.
func ExampleDecoder() {
	server := "* 12 FETCH (UID 40 FLAGS (\\Seen) BODY[] {11}\r\nHello world)\r\na1 OK done\r\n"
	dec := imapwire.NewDecoder(bufio.NewReader(strings.NewReader(server)), imapwire.DecoderOptions{
		Literal: func(info imapwire.LiteralInfo, r io.Reader) (imap.Value, error) {
			var body bytes.Buffer // a file in real use
			n, err := io.Copy(&body, r)
			fmt.Printf("message %d %s: %q\n", info.Num, info.Item, body.String())
			return imap.Streamed{Size: n}, err
		},
	})
	for {
		resp, err := dec.ReadResponse()
		if err != nil {
			break
		}
		fmt.Println(resp)
		if resp.Name() == "FETCH" {
			f, _ := imap.ParseFetch(resp)
			fmt.Println("UID", f.UID, "flags", f.Flags)
		}
	}
	// Output:
	// message 12 BODY[]: "Hello world"
	// * 12 FETCH (UID 40 FLAGS (\Seen) BODY[] {11}<streamed>)
	// UID 40 flags [\Seen]
	// a1 OK done
}

// Writing a command built from values.
func ExampleEncoder() {
	w := bufio.NewWriter(lfWriter{os.Stdout}) // the network connection in real use
	enc := imapwire.NewEncoder(w, imapwire.EncoderOptions{LiteralPlus: true})
	uids, _ := imap.ParseUIDSet("1:5,9")
	err := enc.WriteCommand("a2", []imap.Value{
		imap.Atom("UID"), imap.Atom("FETCH"), uids,
		imap.List{imap.Atom("UID"), imap.Atom("FLAGS"), imap.Raw("BODY.PEEK[HEADER.FIELDS (Subject)]")},
	}, nil)
	if err != nil {
		fmt.Println(err)
	}
	_ = enc.WriteCommand("a3", []imap.Value{imap.Atom("SELECT"), imap.Mailbox("Entwürfe")}, nil)
	err = enc.WriteCommand("a4", []imap.Value{imap.Atom("NOOP"), imap.Atom("x\r\na5 DELETE INBOX")}, nil)
	fmt.Println(errors.Is(err, imapwire.ErrUnsafe))
	// Output:
	// a2 UID FETCH 1:5,9 (UID FLAGS BODY.PEEK[HEADER.FIELDS (Subject)])
	// a3 SELECT Entw&APw-rfe
	// true
}

// lfWriter drops CR so that the example output compares as text.
type lfWriter struct{ w io.Writer }

func (l lfWriter) Write(p []byte) (int, error) {
	_, err := l.w.Write(bytes.ReplaceAll(p, []byte("\r"), nil))
	return len(p), err
}
