package maildir

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Namer makes unique file names in the modern form of the Maildir
// specification (https://cr.yp.to/proto/maildir.html):
//
//	<seconds>.M<microseconds>P<pid>Q<counter>R<random>.<host>
//
// The counter is per Namer; the random part keeps two Namers of one
// process (or two hosts with one name) apart. A Namer is safe for
// concurrent use. Share one per process where convenient.
type Namer struct {
	host    string
	pid     int
	counter atomic.Uint64
	now     func() time.Time
}

// NewNamer returns a Namer for this host and process. If the host name
// cannot be read, "localhost" is used.
func NewNamer() *Namer {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return &Namer{host: EscapeHost(host), pid: os.Getpid(), now: time.Now}
}

// EscapeHost escapes a host name for the last part of a unique name: '/'
// becomes `\057` and ':' becomes `\072` as the specification requires; ','
// becomes `\054` too, since ',' starts the extra fields other tools add.
func EscapeHost(host string) string {
	r := strings.NewReplacer("/", `\057`, ":", `\072`, ",", `\054`)
	return r.Replace(host)
}

// Next returns a new unique name (without extra fields or info).
func (n *Namer) Next() string {
	t := n.now()
	c := n.counter.Add(1)
	var rnd [4]byte
	_, _ = rand.Read(rnd[:]) // crypto/rand.Read never fails (Go 1.24+)
	b := make([]byte, 0, 64)
	b = strconv.AppendInt(b, t.Unix(), 10)
	b = append(b, ".M"...)
	b = strconv.AppendInt(b, int64(t.Nanosecond()/1000), 10)
	b = append(b, 'P')
	b = strconv.AppendInt(b, int64(n.pid), 10)
	b = append(b, 'Q')
	b = strconv.AppendUint(b, c, 10)
	b = append(b, 'R')
	b = hex.AppendEncode(b, rnd[:])
	b = append(b, '.')
	b = append(b, n.host...)
	return string(b)
}
