package testenv

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The helpers below seed and read a Cyrus or Courier through a plain IMAP
// session of the user (session), one per call. Mailbox names are neutral:
// UTF-8, "/" between levels; they are mapped to the server's "INBOX."
// prefix and "." delimiter.

// withSession runs fn on a fresh session of user, failing tb on error.
func (s *OtherServer) withSession(tb testing.TB, user string, fn func(*session) error) {
	tb.Helper()
	if err := s.doSession(user, fn); err != nil {
		tb.Fatalf("testenv: %s (user %s): %v", s.kind, user, err)
	}
}

// doSession is withSession returning its error.
func (s *OtherServer) doSession(user string, fn func(*session) error) error {
	pw, err := s.password(user)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), sessionTimeout)
	defer cancel()
	ss, err := dialSession(ctx, s.IMAPAddr(), user, pw)
	if err != nil {
		return err
	}
	defer ss.close()
	return fn(ss)
}

// CreateMailbox creates mailbox (and its parents) for user.
func (s *OtherServer) CreateMailbox(tb testing.TB, user, name string) {
	tb.Helper()
	s.withSession(tb, user, func(ss *session) error {
		_, err := ss.run("CREATE " + quote(serverName(name)))
		return err
	})
}

var listRE = regexp.MustCompile(`^\* LIST \([^)]*\) (?:NIL|"(?:[^"\\]|\\.)") (.*)$`)

// ListMailboxes returns user's mailbox names (neutral, sorted).
func (s *OtherServer) ListMailboxes(tb testing.TB, user string) []string {
	tb.Helper()
	var names []string
	s.withSession(tb, user, func(ss *session) error {
		resps, err := ss.run(`LIST "" "*"`)
		for _, r := range resps {
			m := listRE.FindStringSubmatch(r.text)
			if m == nil {
				continue
			}
			if n, ok := neutralName(listedName(r, m[1])); ok {
				names = append(names, n)
			}
		}
		return err
	})
	slices.Sort(names)
	return names
}

// SaveMessage appends raw to mailbox and returns its UID. Bare LF line
// ends are sent as CRLF (Cyrus refuses bare LF).
func (s *OtherServer) SaveMessage(tb testing.TB, user, mailbox string, raw []byte) uint32 {
	tb.Helper()
	return s.SaveMessages(tb, user, mailbox, raw)[0]
}

// SaveMessages appends each raw message to mailbox, in order, and returns
// their UIDs (from APPENDUID, RFC 4315 §3, or else the highest UID after
// each append).
func (s *OtherServer) SaveMessages(tb testing.TB, user, mailbox string, raws ...[]byte) []uint32 {
	tb.Helper()
	var uids []uint32
	s.withSession(tb, user, func(ss *session) error {
		for _, raw := range raws {
			uid, err := ss.appendOne(serverName(mailbox), "", crlf(raw))
			if err != nil {
				return err
			}
			uids = append(uids, uid)
		}
		return nil
	})
	return uids
}

// appendOne APPENDs one message, with date (a quoted date-time) when
// not "", and returns its UID.
func (ss *session) appendOne(mailbox, date string, raw []byte) (uint32, error) {
	cmd := "APPEND " + quote(mailbox)
	if date != "" {
		cmd += " " + date
	}
	resps, err := ss.runLiteral(cmd, raw)
	if err != nil {
		return 0, err
	}
	if n := codeNumbers(resps, "APPENDUID"); len(n) == 2 {
		return n[1], nil
	}
	// No UIDPLUS: the newest message is the one just appended.
	if err := ss.selectBox(mailbox, true); err != nil {
		return 0, err
	}
	uids, err := ss.searchUIDs("ALL")
	if err != nil || len(uids) == 0 {
		return 0, fmt.Errorf("APPEND to %s: no UID found after it (%v)", mailbox, err)
	}
	return slices.Max(uids), nil
}

// selectBox SELECTs (or EXAMINEs, readOnly) the server-named mailbox.
func (ss *session) selectBox(mailbox string, readOnly bool) error {
	verb := "SELECT "
	if readOnly {
		verb = "EXAMINE "
	}
	_, err := ss.run(verb + quote(mailbox))
	return err
}

// searchUIDs returns the UIDs UID SEARCH finds for criteria.
func (ss *session) searchUIDs(criteria string) ([]uint32, error) {
	resps, err := ss.run("UID SEARCH " + criteria)
	if err != nil {
		return nil, err
	}
	var uids []uint32
	for _, r := range resps {
		if rest, ok := strings.CutPrefix(r.text, "* SEARCH"); ok {
			for _, f := range strings.Fields(rest) {
				n, err := strconv.ParseUint(f, 10, 32)
				if err == nil {
					uids = append(uids, uint32(n))
				}
			}
		}
	}
	return uids, nil
}

// StoreFlags runs UID STORE uids op.SILENT (flags) in mailbox, op being
// "FLAGS", "+FLAGS" or "-FLAGS" (RFC 9051 §6.4.6), in one session.
func (s *OtherServer) StoreFlags(tb testing.TB, user, mailbox, op string, flags []string, uids ...uint32) {
	tb.Helper()
	if len(uids) == 0 {
		return
	}
	s.withSession(tb, user, func(ss *session) error {
		if err := ss.selectBox(serverName(mailbox), false); err != nil {
			return err
		}
		_, err := ss.run(fmt.Sprintf("UID STORE %s %s.SILENT (%s)", uidList(uids), op, strings.Join(flags, " ")))
		return err
	})
}

// SetFlags replaces the flags of message uid.
func (s *OtherServer) SetFlags(tb testing.TB, user, mailbox string, uid uint32, flags ...string) {
	tb.Helper()
	s.StoreFlags(tb, user, mailbox, "FLAGS", flags, uid)
}

// AddFlags adds flags to message uid.
func (s *OtherServer) AddFlags(tb testing.TB, user, mailbox string, uid uint32, flags ...string) {
	tb.Helper()
	s.StoreFlags(tb, user, mailbox, "+FLAGS", flags, uid)
}

// RemoveFlags removes flags from message uid.
func (s *OtherServer) RemoveFlags(tb testing.TB, user, mailbox string, uid uint32, flags ...string) {
	tb.Helper()
	s.StoreFlags(tb, user, mailbox, "-FLAGS", flags, uid)
}

// uidList formats uids as a comma-separated UID set.
func uidList(uids []uint32) string {
	set := make([]string, len(uids))
	for i, u := range uids {
		set[i] = strconv.FormatUint(uint64(u), 10)
	}
	return strings.Join(set, ",")
}

var flagsRE = regexp.MustCompile(`FLAGS \(([^)]*)\)`)

// MessageFlags returns the flags of message uid, sorted, without \Recent.
func (s *OtherServer) MessageFlags(tb testing.TB, user, mailbox string, uid uint32) []string {
	tb.Helper()
	var flags []string
	found := false
	s.withSession(tb, user, func(ss *session) error {
		if err := ss.selectBox(serverName(mailbox), true); err != nil {
			return err
		}
		resps, err := ss.run(fmt.Sprintf("UID FETCH %d (FLAGS)", uid))
		for _, r := range resps {
			m := flagsRE.FindStringSubmatch(r.text)
			if m == nil || !strings.Contains(r.text, " FETCH ") {
				continue
			}
			found = true
			for _, f := range strings.Fields(m[1]) {
				if !strings.EqualFold(f, `\Recent`) {
					flags = append(flags, f)
				}
			}
		}
		return err
	})
	if !found {
		tb.Fatalf("testenv: %s: no message with UID %d in %q of %s", s.kind, uid, mailbox, user)
	}
	slices.Sort(flags)
	return flags
}

// FetchText returns the message uid as the server sends it (BODY.PEEK[],
// CRLF line ends).
func (s *OtherServer) FetchText(tb testing.TB, user, mailbox string, uid uint32) []byte {
	tb.Helper()
	var body []byte
	s.withSession(tb, user, func(ss *session) error {
		if err := ss.selectBox(serverName(mailbox), true); err != nil {
			return err
		}
		resps, err := ss.run(fmt.Sprintf("UID FETCH %d (BODY.PEEK[])", uid))
		for _, r := range resps {
			if strings.Contains(r.text, " FETCH ") && len(r.literals) > 0 {
				body = r.literals[0]
			}
		}
		return err
	})
	if body == nil {
		tb.Fatalf("testenv: %s: no message with UID %d in %q of %s", s.kind, uid, mailbox, user)
	}
	return body
}

// UIDs returns the UIDs of the messages in mailbox, increasing.
func (s *OtherServer) UIDs(tb testing.TB, user, mailbox string) []uint32 {
	tb.Helper()
	var uids []uint32
	s.withSession(tb, user, func(ss *session) error {
		if err := ss.selectBox(serverName(mailbox), true); err != nil {
			return err
		}
		var err error
		uids, err = ss.searchUIDs("ALL")
		return err
	})
	slices.Sort(uids)
	return uids
}

// Expunge removes messages uids from mailbox: \Deleted, then UID EXPUNGE
// (RFC 4315 §2.1; Cyrus and Courier both offer UIDPLUS).
func (s *OtherServer) Expunge(tb testing.TB, user, mailbox string, uids ...uint32) {
	tb.Helper()
	if len(uids) == 0 {
		return
	}
	s.withSession(tb, user, func(ss *session) error {
		if err := ss.selectBox(serverName(mailbox), false); err != nil {
			return err
		}
		return ss.expunge(uidList(uids))
	})
}

// expunge removes the messages of the UID set in the selected mailbox.
func (ss *session) expunge(set string) error {
	if _, err := ss.run("UID STORE " + set + ` +FLAGS.SILENT (\Deleted)`); err != nil {
		return err
	}
	_, err := ss.run("UID EXPUNGE " + set)
	return err
}

// Move moves messages uids from mailbox to dest as another client
// would: UID COPY, then \Deleted and UID EXPUNGE (Courier has no MOVE).
func (s *OtherServer) Move(tb testing.TB, user, mailbox, dest string, uids ...uint32) {
	tb.Helper()
	s.withSession(tb, user, func(ss *session) error {
		if err := ss.selectBox(serverName(mailbox), false); err != nil {
			return err
		}
		set := uidList(uids)
		if _, err := ss.run("UID COPY " + set + " " + quote(serverName(dest))); err != nil {
			return err
		}
		return ss.expunge(set)
	})
}

// DeliverMessages appends raws to mailbox with INTERNALDATE date, in one
// session, and returns their UIDs (as SaveMessages).
func (s *OtherServer) DeliverMessages(tb testing.TB, user, mailbox string, date time.Time, raws ...[]byte) []uint32 {
	tb.Helper()
	var uids []uint32
	d := quote(date.Format("02-Jan-2006 15:04:05 -0700"))
	s.withSession(tb, user, func(ss *session) error {
		for _, raw := range raws {
			uid, err := ss.appendOne(serverName(mailbox), d, crlf(raw))
			if err != nil {
				return err
			}
			uids = append(uids, uid)
		}
		return nil
	})
	return uids
}

// Message is one message as the server holds it.
type Message struct {
	UID   uint32
	Flags []string // without \Recent
	Text  []byte   // as the server sends it (CRLF)
}

// Messages returns every message of mailbox with its flags and text, in
// UID order.
func (s *OtherServer) Messages(tb testing.TB, user, mailbox string) []Message {
	tb.Helper()
	var out []Message
	s.withSession(tb, user, func(ss *session) error {
		if err := ss.selectBox(serverName(mailbox), true); err != nil {
			return err
		}
		resps, err := ss.run("UID FETCH 1:* (UID FLAGS BODY.PEEK[])")
		for _, r := range resps {
			if m, ok := parseFetch(r); ok {
				out = append(out, m)
			}
		}
		return err
	})
	slices.SortFunc(out, func(a, b Message) int { return int(a.UID) - int(b.UID) })
	return out
}

var uidRE = regexp.MustCompile(`[( ]UID (\d+)`)

// parseFetch reads UID, FLAGS and the body literal of a FETCH response.
func parseFetch(r response) (Message, bool) {
	if !strings.Contains(r.text, " FETCH ") || len(r.literals) == 0 {
		return Message{}, false
	}
	u := uidRE.FindStringSubmatch(r.text)
	f := flagsRE.FindStringSubmatch(r.text)
	if u == nil || f == nil {
		return Message{}, false
	}
	uid, _ := strconv.ParseUint(u[1], 10, 32)
	m := Message{UID: uint32(uid), Text: r.literals[0]}
	for _, fl := range strings.Fields(f[1]) {
		if !strings.EqualFold(fl, `\Recent`) {
			m.Flags = append(m.Flags, fl)
		}
	}
	return m, true
}

// Selectable returns user's mailboxes that can hold mail (neutral names,
// sorted): those listed without \Noselect or \NonExistent.
func (s *OtherServer) Selectable(tb testing.TB, user string) []string {
	tb.Helper()
	var names []string
	s.withSession(tb, user, func(ss *session) error {
		resps, err := ss.run(`LIST "" "*"`)
		for _, r := range resps {
			m := listRE.FindStringSubmatch(r.text)
			attrs := strings.ToLower(r.text[:max(strings.IndexByte(r.text, ')'), 0)])
			if m == nil || strings.Contains(attrs, `\noselect`) || strings.Contains(attrs, `\nonexistent`) {
				continue
			}
			if n, ok := neutralName(listedName(r, m[1])); ok {
				names = append(names, n)
			}
		}
		return err
	})
	slices.Sort(names)
	return names
}

// listedName is the mailbox name of a LIST response whose name part is
// raw: a literal, a quoted string or an atom.
func listedName(r response, raw string) string {
	if len(r.literals) > 0 {
		return string(r.literals[0])
	}
	if strings.HasPrefix(raw, `"`) {
		if u, err := strconv.Unquote(raw); err == nil {
			return u
		}
	}
	return raw
}
