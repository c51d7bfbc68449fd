package imapwire

import (
	"io"

	"github.com/imapdir/imapdir/imap"
)

// Default limits of DecoderOptions.
const (
	DefaultMaxLiteral      = 1 << 20  // 1 MiB for literals that are not message bodies
	DefaultMaxBodyBuffer   = 64 << 20 // 64 MiB for body literals buffered without a LiteralFunc
	DefaultStreamThreshold = 64 << 10 // 64 KiB: larger non-body literals go to the LiteralFunc
	DefaultMaxLine         = 8 << 20  // 8 MiB for one response line (literals excluded)
	DefaultMaxDepth        = 64       // nested lists
	DefaultMaxResponse     = 64 << 20 // 64 MiB held in memory for one response
)

// valueCost is what one decoded value is charged against MaxResponse, a
// rough size of its interface, header and box, so that a line of "()"s
// cannot grow into far more memory than its bytes.
const valueCost = 32

// LiteralInfo describes a literal the decoder is about to hand to a
// LiteralFunc.
type LiteralInfo struct {
	Tag    string // "*" or the tag of a tagged response
	Num    uint32 // message number of "* N FETCH", else 0
	Name   string // response name, upper-cased: "FETCH", "ID", ...
	Item   string // FETCH item the literal is the value of, upper-cased, e.g. "BODY[]", "BINARY[1]<0>", "RFC822"; "" elsewhere
	Size   int64  // bytes in the literal
	Binary bool   // literal8 ~{n} (RFC 3516)
	Body   bool   // the literal is a message body item (BODY[...], BINARY[...], RFC822*)
	// UID is the value of the UID item when it came before the literal in
	// the same FETCH response, else 0.
	UID uint32
	// ListedSize is the RFC822.SIZE item when it came before the literal
	// in the same FETCH response, else -1.
	ListedSize int64
}

// LiteralFunc receives a literal that is not to be buffered: every FETCH
// body item, and any other literal larger than StreamThreshold. It must read
// r (to a file, a hash, io.Discard ...) and return the Value to put in the
// tree in the literal's place, typically an imap.Streamed whose Ref says
// where the bytes went; a nil Value becomes imap.Streamed{Size, Binary}.
// Bytes it leaves unread are discarded. If it returns an error, the rest of
// the response is still decoded and ReadResponse returns a *LiteralError
// along with the response, with imap.NIL in the literal's place; except
// an error wrapping ErrLimit returned before reading anything from r: that
// refuses the literal by its announced size, ReadResponse returns it and
// the stream is unusable (nothing of the literal was read).
type LiteralFunc func(info LiteralInfo, r io.Reader) (imap.Value, error)

// DecoderOptions configures a Decoder. Zero fields take the defaults above.
type DecoderOptions struct {
	// MaxLiteral bounds literals that are not message bodies; a larger one
	// is refused before any of it is read (RFC 9051 §4.3 allows servers any
	// size; we refuse absurd sizes where they cannot be a message).
	MaxLiteral int64
	// MaxBodyBuffer bounds body literals buffered in memory when there is
	// no LiteralFunc.
	MaxBodyBuffer int64
	// StreamThreshold: non-body literals larger than this go to Literal
	// when it is set.
	StreamThreshold int64
	// MaxLine bounds one response line, literals excluded.
	MaxLine int
	// MaxDepth bounds list nesting.
	MaxDepth int
	// MaxResponse bounds what one response may hold in memory: its lines,
	// its buffered literals and 32 bytes per value. Streamed literals do
	// not count.
	MaxResponse int64
	// Literal, when set, receives body literals and large literals.
	Literal LiteralFunc
}

func (o DecoderOptions) withDefaults() DecoderOptions {
	if o.MaxLiteral <= 0 {
		o.MaxLiteral = DefaultMaxLiteral
	}
	if o.MaxBodyBuffer <= 0 {
		o.MaxBodyBuffer = DefaultMaxBodyBuffer
	}
	if o.StreamThreshold <= 0 {
		o.StreamThreshold = DefaultStreamThreshold
	}
	if o.MaxLine <= 0 {
		o.MaxLine = DefaultMaxLine
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if o.MaxResponse <= 0 {
		o.MaxResponse = DefaultMaxResponse
	}
	return o
}
