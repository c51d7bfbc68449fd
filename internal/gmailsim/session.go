package gmailsim

import (
	"bufio"
	"compress/flate"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/imapdir/imapdir/mutf7"
)

// Capabilities as imap.gmail.com advertises them before and after login.
const (
	capsPreAuth  = "IMAP4rev1 UNSELECT IDLE NAMESPACE QUOTA ID XLIST CHILDREN X-GM-EXT-1 XYZZY SASL-IR AUTH=XOAUTH2 AUTH=PLAIN AUTH=PLAIN-CLIENTTOKEN AUTH=OAUTHBEARER AUTH=XOAUTH"
	capsLoggedIn = "IMAP4rev1 UNSELECT IDLE NAMESPACE QUOTA ID XLIST CHILDREN X-GM-EXT-1 UIDPLUS COMPRESS=DEFLATE ENABLE MOVE CONDSTORE ESEARCH UTF8=ACCEPT LIST-EXTENDED LIST-STATUS LITERAL- SPECIAL-USE APPENDLIMIT=35651584"
)

// session is one client connection.
type session struct {
	srv  *Server
	acct *account
	conn net.Conn
	r    *bufio.Reader
	w    *bufio.Writer
	fw   *flate.Writer // after COMPRESS DEFLATE

	authed    bool
	condstore bool // CONDSTORE enabled (RFC 7162 §3.1): MODSEQ in FETCH updates
	utf8      bool // UTF8=ACCEPT enabled (RFC 6855 §3): names and labels in UTF-8
	sel       *selected
}

// selected is the session's view of its selected folder: the UIDs in
// sequence-number order, which change only when the session is told
// (EXISTS, EXPUNGE), and the mod-sequence up to which it has been told of
// flag changes.
type selected struct {
	f        *folder
	readOnly bool
	view     []uint32
	seenMod  uint64
}

func newSession(s *Server, c net.Conn) *session {
	return &session{srv: s, acct: s.acct, conn: c, r: bufio.NewReader(c), w: bufio.NewWriter(c)}
}

func (s *session) serve() {
	defer func() {
		if s.authed {
			s.srv.logout()
		}
	}()
	s.line("* OK Gimap ready for requests from %s", s.conn.RemoteAddr())
	if s.flush() != nil {
		return
	}
	for {
		tag, args, err := readCommand(s.r, func() error {
			s.line("+ go ahead")
			return s.flush()
		})
		if err != nil {
			if err != io.EOF && err != errTooBig {
				s.line("* BAD %s", err)
				s.flush()
			}
			return
		}
		done := s.dispatch(tag, strings.ToUpper(args[0].atom), args[1:])
		if s.flush() != nil || done {
			return
		}
	}
}

// line writes one response line (CRLF added).
func (s *session) line(format string, args ...any) {
	fmt.Fprintf(s.w, format, args...)
	s.w.WriteString("\r\n")
}

func (s *session) flush() error {
	if err := s.w.Flush(); err != nil {
		return err
	}
	if s.fw != nil {
		return s.fw.Flush()
	}
	return nil
}

// dispatch runs one command; true ends the connection.
func (s *session) dispatch(tag, name string, args []tok) bool {
	uid := false
	if name == "UID" && len(args) > 0 {
		uid, name, args = true, "UID "+strings.ToUpper(args[0].atom), args[1:]
	}
	var err error
	switch name {
	case "CAPABILITY":
		s.line("* CAPABILITY %s", s.caps())
	case "NOOP", "CHECK":
		s.updates(true)
	case "LOGOUT":
		if s.authed { // counted out before the client hears OK
			s.srv.logout()
			s.authed = false
		}
		s.line("* BYE LOGOUT Requested")
		s.line("%s OK 73 good day (Success)", tag)
		return true
	case "ID":
		s.acct.mu.Lock()
		s.acct.stats.IDs++
		s.acct.mu.Unlock()
		s.line(`* ID ("name" "GImap" "vendor" "Google, Inc." "support-url" "https://support.google.com/mail")`)
	case "LOGIN":
		err = s.cmdLogin(args)
	case "AUTHENTICATE":
		err = s.cmdAuthenticate(args)
	case "COMPRESS":
		return s.cmdCompress(tag, args)
	case "IDLE":
		err = s.cmdIdle(tag)
	default:
		if !s.authed {
			err = bad("command %s needs login", name)
			break
		}
		err = s.authedCommand(name, uid, args)
	}
	s.finish(tag, name, err)
	return false
}

func (s *session) finish(tag, name string, err error) {
	switch e := err.(type) {
	case nil:
		s.line("%s OK Success", tag)
	case *reply:
		if e.status == "OK" {
			s.line("%s OK %s", tag, e.text)
		} else {
			s.line("%s %s %s", tag, e.status, e.text)
		}
	default:
		s.line("%s BAD %s", tag, err)
	}
}

func (s *session) authedCommand(name string, uid bool, args []tok) error {
	switch name {
	case "ENABLE":
		return s.cmdEnable(args)
	case "NAMESPACE":
		s.line(`* NAMESPACE (("" "/")) NIL NIL`)
		return nil
	case "LIST", "LSUB", "XLIST":
		return s.cmdList(name, args)
	case "STATUS":
		return s.cmdStatus(args)
	case "SELECT", "EXAMINE":
		return s.cmdSelect(name == "EXAMINE", args)
	case "CREATE":
		return s.cmdCreate(args)
	case "DELETE":
		return s.cmdDelete(args)
	case "RENAME":
		return s.cmdRename(args)
	case "APPEND":
		return s.cmdAppend(args)
	}
	if s.sel == nil {
		return bad("%s needs a selected folder", name)
	}
	switch strings.TrimPrefix(name, "UID ") {
	case "FETCH":
		return s.cmdFetch(uid, args)
	case "STORE":
		return s.cmdStore(uid, args)
	case "SEARCH":
		return s.cmdSearch(uid, args)
	case "COPY", "MOVE":
		return s.cmdCopy(uid, strings.HasSuffix(name, "MOVE"), args)
	case "EXPUNGE":
		return s.cmdExpunge(uid, args)
	case "CLOSE", "UNSELECT":
		if name == "CLOSE" && !s.sel.readOnly {
			s.acct.mu.Lock()
			s.acct.expungeMarked(s.sel.f, nil)
			s.acct.mu.Unlock()
		}
		s.sel = nil
		return nil
	}
	return bad("unknown command %s", name)
}

func (s *session) caps() string {
	if s.authed {
		return capsLoggedIn
	}
	return capsPreAuth
}

func (s *session) cmdEnable(args []tok) error {
	var on []string
	for _, a := range args {
		switch strings.ToUpper(a.atom) {
		case "CONDSTORE":
			s.condstore = true
			on = append(on, "CONDSTORE")
		case "UTF8=ACCEPT":
			s.utf8 = true
			on = append(on, "UTF8=ACCEPT")
		}
	}
	s.line("* ENABLED %s", strings.Join(on, " "))
	return nil
}

// cmdCompress starts DEFLATE in both directions after the OK (RFC 4978).
func (s *session) cmdCompress(tag string, args []tok) bool {
	if len(args) != 1 || !args[0].isAtom("DEFLATE") || s.fw != nil {
		s.line("%s BAD COMPRESS DEFLATE only, once", tag)
		return false
	}
	s.line("%s OK Success", tag)
	if s.flush() != nil {
		return true
	}
	rest := make([]byte, s.r.Buffered())
	s.r.Read(rest)
	s.r = bufio.NewReader(flate.NewReader(io.MultiReader(strings.NewReader(string(rest)), s.conn)))
	s.fw, _ = flate.NewWriter(s.conn, flate.DefaultCompression)
	s.w = bufio.NewWriter(s.fw)
	return false
}

// reply is a tagged NO/BAD/OK with its text.
type reply struct{ status, text string }

func (r *reply) Error() string { return r.status + " " + r.text }

func no(format string, args ...any) error {
	return &reply{"NO", fmt.Sprintf(format, args...)}
}
func bad(format string, args ...any) error {
	return &reply{"BAD", fmt.Sprintf(format, args...)}
}
func okCode(format string, args ...any) error {
	return &reply{"OK", fmt.Sprintf(format, args...)}
}

// name reads a mailbox name or label argument into the internal
// (modified UTF-7) spelling: after ENABLE UTF8=ACCEPT clients send UTF-8.
func (s *session) name(t tok) string {
	v, _ := t.text()
	if s.utf8 && !strings.HasPrefix(v, `\`) {
		return mutf7.Encode(v)
	}
	return v
}

// outName spells a name or label for the client: UTF-8 after ENABLE
// UTF8=ACCEPT, else modified UTF-7.
func (s *session) outName(n string) string {
	if s.utf8 {
		return utf8Label(n)
	}
	return n
}

// wireLabel converts a UTF-8 label to its wire (modified UTF-7) form;
// system labels are kept.
func wireLabel(l string) string {
	if strings.HasPrefix(l, `\`) {
		return canonLabel(l)
	}
	return mutf7.Encode(l)
}

// utf8Label is wireLabel's inverse.
func utf8Label(l string) string {
	if u, err := mutf7.Decode(l); err == nil {
		return u
	}
	return l
}
