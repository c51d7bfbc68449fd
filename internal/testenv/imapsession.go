package testenv

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/imapdir/imapdir/mutf7"
)

// sessionTimeout bounds one helper's IMAP conversation.
const sessionTimeout = time.Minute

// responseMax bounds one response the helpers read (a whole message
// fetched by FetchText counts).
const responseMax = 64 << 20

// session is a minimal IMAP client for the seed and truth helpers of the
// servers without doveadm. It is deliberately not the project's client:
// what it reads is the servers' truth the project's client is tested
// against. It sends one command at a time and keeps responses as text,
// literals inlined.
type session struct {
	c   net.Conn
	r   *bufio.Reader
	tag int
}

// response is one untagged response line with its literals inlined, and
// the literals apart.
type response struct {
	text     string
	literals [][]byte
}

// dialSession connects to addr (plain) and logs in.
func dialSession(ctx context.Context, addr, user, password string) (*session, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	dl, ok := ctx.Deadline()
	if !ok {
		dl = time.Now().Add(sessionTimeout)
	}
	_ = c.SetDeadline(dl)
	s := &session{c: c, r: bufio.NewReader(c)}
	if _, err := s.readResponse(); err != nil { // greeting
		c.Close()
		return nil, fmt.Errorf("greeting: %w", err)
	}
	if _, err := s.run("LOGIN " + quote(user) + " " + quote(password)); err != nil {
		c.Close()
		return nil, err
	}
	return s, nil
}

// close logs out and closes the connection.
func (s *session) close() {
	_, _ = s.run("LOGOUT")
	s.c.Close()
}

// quote returns v as an IMAP quoted string.
func quote(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}

// run sends one command and returns its untagged responses; a tagged NO
// or BAD is an error carrying the server's text.
func (s *session) run(cmd string) ([]response, error) {
	return s.runLiteral(cmd, nil)
}

// runLiteral sends cmd followed by one synchronizing literal holding lit
// (when lit is not nil) and returns the untagged responses.
func (s *session) runLiteral(cmd string, lit []byte) ([]response, error) {
	s.tag++
	tag := "t" + strconv.Itoa(s.tag)
	line := tag + " " + cmd
	if lit != nil {
		line += " {" + strconv.Itoa(len(lit)) + "}"
	}
	if _, err := io.WriteString(s.c, line+"\r\n"); err != nil {
		return nil, err
	}
	var out []response
	if lit != nil {
		for {
			resp, err := s.readResponse()
			if err != nil {
				return nil, err
			}
			if strings.HasPrefix(resp.text, "+") {
				break
			}
			if strings.HasPrefix(resp.text, tag+" ") {
				return nil, fmt.Errorf("%s: %s", firstWord(cmd), resp.text)
			}
			out = append(out, resp)
		}
		if _, err := s.c.Write(append(lit, '\r', '\n')); err != nil {
			return nil, err
		}
	}
	for {
		resp, err := s.readResponse()
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(resp.text, tag+" ") {
			out = append(out, resp)
			continue
		}
		if !strings.HasPrefix(resp.text, tag+" OK") {
			return out, fmt.Errorf("%s: %s", firstWord(cmd), resp.text)
		}
		return append(out, resp), nil // the tagged OK last: response codes
	}
}

// firstWord keeps a command's name for error text (never a password).
func firstWord(cmd string) string {
	if i := strings.IndexByte(cmd, ' '); i > 0 {
		return cmd[:i]
	}
	return cmd
}

var literalRE = regexp.MustCompile(`\{(\d+)\+?\}$`)

// readResponse reads one response: a line, and the literals it announces
// with the rest of the line after each.
func (s *session) readResponse() (response, error) {
	var resp response
	var text strings.Builder
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return resp, err
		}
		line = strings.TrimRight(line, "\r\n")
		text.WriteString(line)
		if text.Len() > responseMax {
			return resp, fmt.Errorf("response longer than %d bytes", responseMax)
		}
		m := literalRE.FindStringSubmatch(line)
		if m == nil {
			resp.text = text.String()
			return resp, nil
		}
		n, err := strconv.Atoi(m[1])
		if err != nil || n > responseMax {
			return resp, fmt.Errorf("literal of %s bytes", m[1])
		}
		lit := make([]byte, n)
		if _, err := io.ReadFull(s.r, lit); err != nil {
			return resp, err
		}
		resp.literals = append(resp.literals, lit)
	}
}

// codeNumbers returns the numbers of response code name in resps, e.g.
// [APPENDUID 17 4] → [17 4].
func codeNumbers(resps []response, name string) []uint32 {
	re := regexp.MustCompile(`\[` + name + `((?: \d+)+)\]`)
	for _, r := range resps {
		if m := re.FindStringSubmatch(r.text); m != nil {
			var out []uint32
			for _, f := range strings.Fields(m[1]) {
				n, _ := strconv.ParseUint(f, 10, 32)
				out = append(out, uint32(n))
			}
			return out
		}
	}
	return nil
}

// crlf returns raw with every bare LF turned into CRLF: Cyrus refuses
// bare LF in APPEND (RFC 5322 lines end in CRLF), and test messages are
// often written with LF.
func crlf(raw []byte) []byte {
	if !bytes.Contains(raw, []byte("\n")) {
		return raw
	}
	out := make([]byte, 0, len(raw)+bytes.Count(raw, []byte("\n")))
	for i, b := range raw {
		if b == '\n' && (i == 0 || raw[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, b)
	}
	return out
}

// serverName maps a neutral mailbox name ("Archive/2024") to the name on
// a server with the personal prefix "INBOX." and delimiter "." (Cyrus
// and Courier as Debian configures them), in modified UTF-7.
func serverName(neutral string) string {
	if strings.EqualFold(neutral, "INBOX") {
		return "INBOX"
	}
	return mutf7.Encode("INBOX." + strings.ReplaceAll(neutral, "/", "."))
}

// neutralName is serverName's inverse; ok is false for names outside the
// personal prefix or not valid modified UTF-7.
func neutralName(server string) (string, bool) {
	if strings.EqualFold(server, "INBOX") {
		return "INBOX", true
	}
	rest, ok := strings.CutPrefix(server, "INBOX.")
	if !ok {
		return "", false
	}
	name, err := mutf7.Decode(rest)
	if err != nil {
		return "", false
	}
	return strings.ReplaceAll(name, ".", "/"), true
}
