package hostile

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
)

// Command is a client command as the proxy saw it.
type Command struct {
	Tag     string
	Name    string // upper-cased; "UID FETCH" for UID commands
	Line    string // the first line as sent, without CRLF
	Mailbox string // the mailbox selected when it was sent (server's spelling)
}

// Rule takes over the answer to matching commands.
type Rule struct {
	Mailbox  string // selected mailbox to match; "" any
	Command  string // command name to match ("UID FETCH", "LIST" …); "" any
	Contains string // substring of the command line, case-insensitive; "" any
	Without  string // substring the command line must not hold; "" none
	// Times is how many commands the rule takes over, over the proxy's
	// life; 0 means every matching one.
	Times int
	// Act writes the answer to the client. held holds the server's real
	// responses from the command's sending up to and including its tagged
	// completion (pipelined commands' responses may be among them). An
	// error closes the connection.
	Act func(c *Client, cmd Command, held [][]byte) error
}

// Options configure Start.
type Options struct {
	Upstream string // the real server, host:port, plaintext
	// Greeting, when set, writes the greeting in place of the real one
	// (real); an error closes the connection.
	Greeting func(c *Client, real []byte) error
	Rules    []Rule
}

// Proxy is a started hostile proxy.
type Proxy struct {
	ln   net.Listener
	opts Options

	mu    sync.Mutex
	used  []int // commands taken over, per rule
	seen  []Command
	conns map[net.Conn]bool
}

// Start listens on 127.0.0.1 and serves every connection until the test
// ends.
func Start(tb testing.TB, opts Options) *Proxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &Proxy{ln: ln, opts: opts, used: make([]int, len(opts.Rules)), conns: map[net.Conn]bool{}}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.track(c, true)
			wg.Go(func() { p.serve(c) })
		}
	})
	tb.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		for c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
		wg.Wait()
	})
	return p
}

func (p *Proxy) track(c net.Conn, add bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if add {
		p.conns[c] = true
	} else {
		delete(p.conns, c)
	}
}

// Addr returns the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Port returns the proxy's port.
func (p *Proxy) Port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// Commands returns every client command seen so far, in order.
func (p *Proxy) Commands() []Command {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Command(nil), p.seen...)
}

// Client is the client's side of one proxied connection, for a Rule.
type Client struct {
	conn   net.Conn
	closed chan struct{}
}

// Write writes b as is.
func (c *Client) Write(b []byte) error {
	_, err := c.conn.Write(b)
	return err
}

// Send writes each line followed by CRLF.
func (c *Client) Send(lines ...string) error {
	for _, l := range lines {
		if err := c.Write([]byte(l + "\r\n")); err != nil {
			return err
		}
	}
	return nil
}

// Forward writes responses as they are.
func (c *Client) Forward(resps [][]byte) error {
	for _, r := range resps {
		if err := c.Write(r); err != nil {
			return err
		}
	}
	return nil
}

// Stall waits, sending nothing, until the client hangs up; it then
// returns io.EOF, which ends the connection.
func (c *Client) Stall() error {
	<-c.closed
	return io.EOF
}

// conv is one proxied connection.
type conv struct {
	p        *Proxy
	cl, up   net.Conn
	client   *Client
	mu       sync.Mutex
	selected string
	pending  []pendingCmd
}

type pendingCmd struct {
	cmd  Command
	rule *Rule
}

func (p *Proxy) serve(cl net.Conn) {
	defer p.track(cl, false)
	defer cl.Close()
	up, err := net.Dial("tcp", p.opts.Upstream)
	if err != nil {
		return
	}
	defer up.Close()
	cv := &conv{p: p, cl: cl, up: up, client: &Client{conn: cl, closed: make(chan struct{})}}
	go func() {
		defer close(cv.client.closed)
		cv.clientToServer(bufio.NewReader(cl))
		up.Close()
	}()
	ubr := bufio.NewReader(up)
	greet, err := readResponse(ubr)
	if err != nil {
		return
	}
	if g := p.opts.Greeting; g != nil {
		err = g(cv.client, greet)
	} else {
		err = cv.client.Write(greet)
	}
	if err != nil {
		return
	}
	cv.serverToClient(ubr)
}

// serverToClient forwards responses, holding them for a rule while one
// of its commands is pending.
func (cv *conv) serverToClient(br *bufio.Reader) {
	var held [][]byte
	for {
		resp, err := readResponse(br)
		if err != nil {
			return
		}
		cv.mu.Lock()
		var first *pendingCmd
		if len(cv.pending) > 0 {
			first = &cv.pending[0]
		}
		cv.mu.Unlock()
		if first == nil || Tag(resp) == "+" { // a continuation is never held: the client waits for it
			if cv.client.Write(resp) != nil {
				return
			}
			continue
		}
		held = append(held, resp)
		if Tag(resp) != first.cmd.Tag {
			continue
		}
		cv.mu.Lock()
		pc := cv.pending[0]
		cv.pending = cv.pending[1:]
		cv.mu.Unlock()
		err = pc.rule.Act(cv.client, pc.cmd, held)
		held = nil
		if err != nil {
			return
		}
	}
}

// clientToServer forwards commands (and their literals), noting the
// selected mailbox and registering the commands a rule takes over.
func (cv *conv) clientToServer(br *bufio.Reader) {
	for {
		line, err := readLine(br)
		if err != nil {
			return
		}
		cv.note(parseCommand(trimCRLF(line)))
		if _, err := cv.up.Write(line); err != nil {
			return
		}
		for n := literalAt(trimCRLF(line)); n >= 0; n = literalAt(trimCRLF(line)) {
			if _, err := io.CopyN(cv.up, br, n); err != nil {
				return
			}
			if line, err = readLine(br); err != nil {
				return
			}
			if _, err := cv.up.Write(line); err != nil {
				return
			}
		}
	}
}

// note records cmd, follows SELECT/EXAMINE, and registers cmd with the
// first rule that takes it over.
func (cv *conv) note(cmd Command) {
	cv.mu.Lock()
	defer cv.mu.Unlock()
	if cmd.Name == "SELECT" || cmd.Name == "EXAMINE" {
		cv.selected = mailboxArg(cmd.Line)
	}
	cmd.Mailbox = cv.selected
	p := cv.p
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seen = append(p.seen, cmd)
	for i := range p.opts.Rules {
		r := &p.opts.Rules[i]
		if !r.matches(cmd) || (r.Times > 0 && p.used[i] >= r.Times) {
			continue
		}
		p.used[i]++
		cv.pending = append(cv.pending, pendingCmd{cmd: cmd, rule: r})
		return
	}
}

func (r *Rule) matches(cmd Command) bool {
	return (r.Mailbox == "" || r.Mailbox == cmd.Mailbox) &&
		(r.Command == "" || r.Command == cmd.Name) &&
		(r.Contains == "" || strings.Contains(strings.ToUpper(cmd.Line), strings.ToUpper(r.Contains))) &&
		(r.Without == "" || !strings.Contains(strings.ToUpper(cmd.Line), strings.ToUpper(r.Without)))
}

// parseCommand reads tag and name from a command's first line.
func parseCommand(line []byte) Command {
	f := strings.Fields(string(line))
	cmd := Command{Line: string(line)}
	if len(f) > 0 {
		cmd.Tag = f[0]
	}
	if len(f) > 1 {
		cmd.Name = strings.ToUpper(f[1])
	}
	if cmd.Name == "UID" && len(f) > 2 {
		cmd.Name += " " + strings.ToUpper(f[2])
	}
	return cmd
}

// mailboxArg returns SELECT's mailbox argument, unquoted.
func mailboxArg(line string) string {
	f := strings.SplitN(line, " ", 3)
	if len(f) < 3 {
		return ""
	}
	arg := f[2]
	if strings.HasPrefix(arg, `"`) {
		var b strings.Builder
		for i := 1; i < len(arg); i++ {
			switch arg[i] {
			case '\\':
				i++
				if i < len(arg) {
					b.WriteByte(arg[i])
				}
			case '"':
				return b.String()
			default:
				b.WriteByte(arg[i])
			}
		}
		return b.String()
	}
	if i := strings.IndexByte(arg, ' '); i >= 0 {
		arg = arg[:i]
	}
	return arg
}

// Replace returns the responses with old replaced by new in each.
func Replace(resps [][]byte, old, new string) [][]byte {
	out := make([][]byte, len(resps))
	for i, r := range resps {
		out[i] = bytes.ReplaceAll(r, []byte(old), []byte(new))
	}
	return out
}
