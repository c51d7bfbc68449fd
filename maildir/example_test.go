package maildir_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/imapdir/imapdir/maildir"
)

// A sync delivers a window of messages through a Batch, commits it, and
// only then records the new names in its state.
func ExampleBatch() {
	root, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(root)
	ctx := context.Background()
	box, err := maildir.LayoutMaildirPP.Create(root, "Archive/2024")
	if err != nil {
		log.Fatal(err)
	}
	b := maildir.NewBatch(maildir.BatchOptions{})
	for _, flags := range []string{"S", "FS", ""} {
		msg := strings.NewReader("Subject: hi\r\n\r\nbody\r\n") // as fetched: CRLF
		_, err := b.Deliver(ctx, box, msg, maildir.DeliverOptions{
			Flags: maildir.ParseFlags(flags), ToLF: true, SizeInName: true})
		if err != nil {
			log.Fatal(err)
		}
	}
	if err := b.Commit(ctx); err != nil {
		log.Fatal(err) // record nothing: the batch is not durable
	}
	ents, err := box.Scan(ctx, maildir.ScanOptions{})
	if err != nil {
		log.Fatal(err)
	}
	var total int64
	for _, e := range ents {
		total += e.Size // from ",S=": no stat needed
	}
	fmt.Println(len(ents), "messages,", total, "bytes")
	// Output: 3 messages, 54 bytes
}
