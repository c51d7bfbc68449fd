package gmailsim

import (
	"crypto/tls"
	"net"
	"strings"
	"sync"
	"time"
)

// MaxConnections is Gmail's limit of simultaneous IMAP connections per
// account: the 16th login is refused.
const MaxConnections = 15

// Options configure a Server. The zero value is usable: user
// "user@gmail.com", no password, every token refused.
type Options struct {
	// User is the account's address (default "user@gmail.com").
	User string
	// AppPassword, when set, is accepted by LOGIN and AUTHENTICATE PLAIN
	// (Gmail's app passwords).
	AppPassword string
	// ValidToken decides whether an OAuth 2 access token presented by
	// XOAUTH2 or OAUTHBEARER is good for user. Nil refuses every token.
	ValidToken func(user, token string) bool
	// NoAutoExpunge turns off Gmail's default "Auto-Expunge on": with it
	// on (the default) a message is expunged as soon as it is marked
	// \Deleted; with it off only EXPUNGE (or CLOSE) removes it.
	NoAutoExpunge bool
	// Names renames system folders by special-use attribute (\All, \Trash,
	// \Sent, \Drafts, \Junk, \Flagged, \Important), as localized Gmail
	// accounts show them (e.g. `\All` → "[Google Mail]/Alle Nachrichten").
	Names map[string]string
	// TLS, when set, makes the listener speak TLS from the first byte, as
	// imap.gmail.com:993 does. Nil: plaintext (tests).
	TLS *tls.Config
	// Now gives INTERNALDATE for APPEND without a date (default time.Now).
	Now func() time.Time
}

// Server is a Gmail double listening on 127.0.0.1.
type Server struct {
	opts Options
	ln   net.Listener
	acct *account

	mu     sync.Mutex
	conns  map[net.Conn]bool
	authed int // connections logged in (for MaxConnections)
	closed bool
	wg     sync.WaitGroup
}

// Start listens on 127.0.0.1 with a port chosen by the system and serves
// until Close.
func Start(opts Options) (*Server, error) {
	if opts.User == "" {
		opts.User = "user@gmail.com"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	if opts.TLS != nil {
		ln = tls.NewListener(ln, opts.TLS)
	}
	s := &Server{opts: opts, ln: ln, acct: newAccount(opts.Names), conns: map[net.Conn]bool{}}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Addr returns "127.0.0.1:port".
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops listening, closes every connection and waits for their
// goroutines.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	err := s.ln.Close()
	s.wg.Wait()
	return err
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = true
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			newSession(s, c).serve()
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
			c.Close()
		}()
	}
}

// login counts an authenticated connection; false when the account has
// MaxConnections already.
func (s *Server) login() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.authed >= MaxConnections {
		return false
	}
	s.authed++
	s.acct.mu.Lock()
	s.acct.stats.PeakLoggedIn = max(s.acct.stats.PeakLoggedIn, s.authed)
	s.acct.mu.Unlock()
	return true
}

func (s *Server) logout() {
	s.mu.Lock()
	s.authed--
	s.mu.Unlock()
}

// Message is a message to add with Add.
type Message struct {
	Body     []byte    // RFC 5322 text; bare LF is turned into CRLF
	Date     time.Time // INTERNALDATE; zero: Options.Now
	Flags    []string  // \Seen, \Flagged (= \Starred), keywords …
	Labels   []string  // \Inbox, \Sent, \Important, user labels (UTF-8)
	ThreadID uint64    // X-GM-THRID; zero: the message's own id
}

// Add stores a message as if it had arrived, and returns its X-GM-MSGID.
func (s *Server) Add(m Message) uint64 {
	a := s.acct
	a.mu.Lock()
	defer a.mu.Unlock()
	date := m.Date
	if date.IsZero() {
		date = s.opts.Now()
	}
	labels := make([]string, len(m.Labels))
	for i, l := range m.Labels {
		labels[i] = wireLabel(l)
	}
	msg := a.newMessage(crlf(m.Body), date, m.Flags, labels, m.ThreadID)
	a.reconcile()
	return msg.msgID
}

// Labels returns the labels of message id (UTF-8, system labels as
// \Inbox …), sorted; nil when there is no such message.
func (s *Server) Labels(id uint64) []string {
	a := s.acct
	a.mu.Lock()
	defer a.mu.Unlock()
	m := a.byMsgID(id)
	if m == nil {
		return nil
	}
	out := m.labelList()
	for i, l := range out {
		out[i] = utf8Label(l)
	}
	return out
}

// SetLabels adds and removes labels of message id (UTF-8), as the Gmail
// web interface would; false when there is no such message.
func (s *Server) SetLabels(id uint64, add, remove []string) bool {
	a := s.acct
	a.mu.Lock()
	defer a.mu.Unlock()
	m := a.byMsgID(id)
	if m == nil {
		return false
	}
	for _, l := range add {
		a.addLabel(m, wireLabel(l))
	}
	for _, l := range remove {
		delete(m.labels, canonLabel(wireLabel(l)))
	}
	a.touch(m)
	a.reconcile()
	return true
}

// Exists reports whether message id is still in the account.
func (s *Server) Exists(id uint64) bool {
	a := s.acct
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.byMsgID(id) != nil
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	a := s.acct
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.stats
}

// Downloads returns how many times the full body of message id was
// fetched (BODY[], BODY[TEXT], RFC822, RFC822.TEXT), over all folders and
// connections: what "one download per message" is measured by.
func (s *Server) Downloads(id uint64) int {
	a := s.acct
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.downloads[id]
}

func (a *account) addLabel(m *message, l string) {
	l = canonLabel(l)
	m.labels[l] = true
	a.labelFolder(l)
}

// crlf turns bare LF into CRLF.
func crlf(b []byte) []byte {
	s := strings.ReplaceAll(string(b), "\r\n", "\n")
	return []byte(strings.ReplaceAll(s, "\n", "\r\n"))
}
