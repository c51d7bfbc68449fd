package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/imapdir/imapdir/internal/testenv"
)

// seedDate is the INTERNALDATE of the seeded messages.
var seedDate = time.Date(2024, 11, 3, 14, 5, 9, 0, time.UTC)

// bigSize picks message sizes averaging about 22 KB (DESIGN.md's
// reference set: 10 000 messages, 221 MB): mostly small, some tens of KB,
// a few hundreds.
func bigSize(r *rand.Rand) int {
	switch p := r.IntN(100); {
	case p < 2:
		return 200_000 + r.IntN(200_000)
	case p < 20:
		return 20_000 + r.IntN(80_000)
	default:
		return 2_000 + r.IntN(10_000)
	}
}

// seed delivers n messages into user's INBOX in chunks (Maildir delivery
// plus one doveadm index run each), marks 70 % of them \Seen, and returns
// the bytes delivered.
func seed(tb testing.TB, srv *testenv.Server, user string, n int, size func(*rand.Rand) int) int64 {
	rnd := rand.New(rand.NewPCG(uint64(n), 22))
	var total int64
	const chunk = 2000
	for done := 0; done < n; done += chunk {
		raws := make([][]byte, min(chunk, n-done))
		for i := range raws {
			raws[i] = message(rnd, user, done+i, size(rnd))
			total += int64(len(raws[i]))
		}
		uids := srv.DeliverMessages(tb, user, "INBOX", seedDate, raws...)
		var seen bytes.Buffer
		for i, u := range uids {
			if i%10 < 7 {
				if seen.Len() > 0 {
					seen.WriteByte(',')
				}
				seen.WriteString(strconv.FormatUint(uint64(u), 10))
			}
		}
		srv.Doveadm(tb, "flags", "add", "-u", user, `\Seen`, "mailbox", "INBOX", "uid", seen.String())
	}
	return total
}

// seedFolders creates k folders "Folder1" … for user, 20 small messages
// each.
func seedFolders(tb testing.TB, srv *testenv.Server, user string, k int) {
	rnd := rand.New(rand.NewPCG(uint64(k), 23))
	for f := 1; f <= k; f++ {
		name := fmt.Sprintf("Folder%d", f)
		srv.CreateMailbox(tb, user, name)
		raws := make([][]byte, 20)
		for i := range raws {
			raws[i] = message(rnd, user, 1_000_000*f+i, 1500)
		}
		srv.DeliverMessages(tb, user, name, seedDate, raws...)
	}
}

// message returns message i of user, LF line endings, about size bytes.
func message(rnd *rand.Rand, user string, i, size int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Message-ID: <%s.%d@bench.imapdir.test>\n", user, i)
	fmt.Fprintf(&b, "Date: %s\n", seedDate.Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z))
	fmt.Fprintf(&b, "From: Sender %d <sender%d@example.org>\nTo: <%s@example.com>\n", i%13, i%13, user)
	fmt.Fprintf(&b, "Subject: benchmark message %d\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n", i)
	const abc = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789"
	line := make([]byte, 72)
	for b.Len() < size {
		for j := range line {
			line[j] = abc[rnd.IntN(len(abc))]
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.Bytes()
}
