package demoserver

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"mime"
	"strings"
	"time"
)

// people are the correspondents; some names need RFC 2047 encoding.
var people = []struct{ name, addr string }{
	{"Alice Martin", "alice@example.org"},
	{"Bob Stone", "bob@example.net"},
	{"Jürgen Müller", "juergen@example.de"},
	{"Zoë Ångström", "zoe@example.se"},
	{"Chloé Dubois", "chloe@example.fr"},
	{"山田太郎", "yamada@example.jp"},
	{"Demo User", "demo@example.com"},
}

var subjects = []string{
	"Quarterly report", "Lunch on Friday?", "Re: project timeline", "Invoice 2024-%03d",
	"Photos from the trip", "Meeting notes", "Grüße aus München", "Café meeting ☕",
	"Ticket #%d: login fails", "Your order has shipped", "Fwd: conference agenda", "Réunion de lundi",
}

var words = strings.Fields(`the of and to in is that it for on with as was at by this be from or
have an are not but had they which you one all were we when there can more if will about up out
mailbox server folder sync message offline reader flag archive draft inbox quickly notes plan`)

// gen produces deterministic messages from a seed: the same seed and index
// always give the same bytes.
type gen struct {
	seed uint64
	base time.Time // the newest message date
}

func newGen(seed int64) *gen {
	return &gen{seed: uint64(seed), base: time.Date(2024, 11, 30, 9, 0, 0, 0, time.UTC)}
}

// spec is what varies between generated messages.
type spec struct {
	Mailbox string
	Index   int
	// Attachment is the size in bytes of a binary attachment (0 = none).
	Attachment int
	Subject    string // "" = pick one
}

// message returns an RFC 5322 message with CRLF line endings and its date.
func (g *gen) message(s spec) ([]byte, time.Time) {
	r := rand.New(rand.NewPCG(g.seed, uint64(s.Index)*7919+hash(s.Mailbox)))
	date := g.base.Add(-time.Duration(r.IntN(365*24*60)) * time.Minute)
	from, to := people[r.IntN(len(people))], people[len(people)-1]
	if s.Mailbox == "Sent" || s.Mailbox == "Entwürfe" {
		from, to = to, people[r.IntN(len(people)-1)]
	}
	subject := s.Subject
	if subject == "" {
		subject = subjects[r.IntN(len(subjects))]
		if strings.Contains(subject, "%") {
			subject = fmt.Sprintf(subject, r.IntN(1000))
		}
	}
	var b bytes.Buffer
	header(&b, "From", address(from.name, from.addr))
	header(&b, "To", address(to.name, to.addr))
	header(&b, "Subject", encodeWord(subject, s.Index))
	header(&b, "Date", date.Format(time.RFC1123Z))
	header(&b, "Message-ID", fmt.Sprintf("<%d.%d.%x@demo.imapdir.invalid>", g.seed, s.Index, hash(s.Mailbox)))
	header(&b, "MIME-Version", "1.0")
	text := bodyText(r)
	if s.Attachment == 0 {
		header(&b, "Content-Type", "text/plain; charset=utf-8")
		header(&b, "Content-Transfer-Encoding", "8bit")
		b.WriteString("\r\n" + text)
		return b.Bytes(), date
	}
	multipart(&b, r, text, s.Attachment)
	return b.Bytes(), date
}

func header(b *bytes.Buffer, name, value string) {
	b.WriteString(name + ": " + value + "\r\n")
}

// address formats a mailbox, RFC 2047-encoding a non-ASCII display name.
func address(name, addr string) string {
	return mime.QEncoding.Encode("utf-8", name) + " <" + addr + ">"
}

// encodeWord encodes a non-ASCII subject, alternating Q and B encoding
// (RFC 2047 §4) so readers' decoders of both kinds get exercised.
func encodeWord(s string, i int) string {
	if i%2 == 0 {
		return mime.QEncoding.Encode("utf-8", s)
	}
	return mime.BEncoding.Encode("utf-8", s)
}

// bodyText returns a few lines of words, CRLF-terminated.
func bodyText(r *rand.Rand) string {
	var b strings.Builder
	for range 3 + r.IntN(20) {
		n := 5 + r.IntN(10)
		line := make([]string, n)
		for i := range line {
			line[i] = words[r.IntN(len(words))]
		}
		b.WriteString(strings.Join(line, " ") + "\r\n")
	}
	return b.String()
}

// multipart writes a multipart/mixed body: the text and a base64
// attachment of size pseudo-random bytes, wrapped at 76 columns (RFC 2045 §6.8).
func multipart(b *bytes.Buffer, r *rand.Rand, text string, size int) {
	boundary := fmt.Sprintf("demo-%016x", r.Uint64())
	header(b, "Content-Type", `multipart/mixed; boundary="`+boundary+`"`)
	b.WriteString("\r\n--" + boundary + "\r\n")
	header(b, "Content-Type", "text/plain; charset=utf-8")
	b.WriteString("\r\n" + text)
	b.WriteString("\r\n--" + boundary + "\r\n")
	header(b, "Content-Type", "application/octet-stream")
	header(b, "Content-Disposition", fmt.Sprintf(`attachment; filename="data-%d.bin"`, size))
	header(b, "Content-Transfer-Encoding", "base64")
	b.WriteString("\r\n")
	raw := make([]byte, size)
	for i := range raw {
		raw[i] = byte(r.Uint32())
	}
	enc := base64.StdEncoding.EncodeToString(raw)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--" + boundary + "--\r\n")
}

// hash is FNV-1a of s, to derive per-mailbox random streams.
func hash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
