package imapclient

import (
	"strings"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/mutf7"
)

// Routing of untagged data to pipelined commands.
//
// IMAP does not say which command an untagged response belongs to
// (RFC 9051 §2.2.2, §5.5), and servers that run pipelined commands in
// parallel (Dovecot does) interleave their answers. Each response is
// therefore offered to the commands in flight in two passes: first to the
// oldest command it matches exactly, then, if none does, to the oldest
// one that takes it as a fallback. What a command takes it keeps (typed
// methods) or collects (Command, Start); what nobody takes goes to the
// Handler. Per response kind:
//
//   - ESEARCH with a correlator (TAG "t") (RFC 4731 §3.1, RFC 9051 §7.3.4):
//     exactly the command tagged t, whatever its name. Without a
//     correlator: the oldest SEARCH/SORT in flight, as a fallback.
//   - SEARCH, SORT, THREAD (no correlator exists): the SEARCH, SORT or
//     THREAD command in flight. The client never has two such commands
//     in flight on one connection (searchTurn): those that can produce
//     these untagged answers (no RETURN option, or the server lacks
//     ESEARCH) are sent one after the other, so the answer is
//     unambiguous.
//   - STATUS: the STATUS command for that mailbox (the name as sent on the
//     wire, INBOX in any case); else a LIST with RETURN (STATUS ...)
//     (RFC 5819) whose patterns match the name.
//   - LIST, LSUB: the oldest LIST/LSUB whose reference and patterns match
//     the name ("*" any text, "%" any text without the response's
//     hierarchy delimiter, RFC 9051 §6.3.9); as a fallback the oldest
//     LIST/LSUB (a server may add a parent, RFC 5258 CHILDINFO).
//   - FETCH: the oldest FETCH/STORE whose message set holds the message
//     (by UID for UID commands, by sequence number otherwise), that has
//     not had an answer for that message yet, and whose items the
//     response carries: at least one item asked for other than UID, FLAGS
//     and MODSEQ (which come unasked: UID in UID commands, FLAGS when a
//     fetch sets \Seen, MODSEQ with CONDSTORE), or the command asked for
//     no other. A response carrying only such items for a message whose
//     ENVELOPE (say) was asked is a flag change for the Handler, not the
//     answer; one carrying other items, none asked, is taken as a
//     fallback (a server naming an item its own way).
//   - VANISHED (EARLIER): the oldest UID FETCH or SELECT/EXAMINE in flight
//     (RFC 7162 §3.2.6, §3.2.5.1).
//   - CAPABILITY, ENABLED, NAMESPACE, ID: the oldest command of that name.
//   - A command with an argument given as imap.Raw (text sent as typed,
//     which the client does not read) takes the response names of its
//     kind as a fallback only.
//   - Anything else (EXISTS, EXPUNGE, RECENT, FLAGS, untagged OK/NO/BAD,
//     BYE, VANISHED without EARLIER): SELECT/EXAMINE and commands of
//     names this table does not know, as a fallback; else the Handler.
//     EXISTS, RECENT, EXPUNGE, BYE, VANISHED without EARLIER and ALERTs
//     reach the Handler even when a generic command collected them.

// match says how well a response fits a command.
type match int

const (
	noMatch  match = iota
	fallback       // the command may take it if no command fits exactly
	exact
)

// route is what a command knows to recognise its untagged data; it is
// built when the command is written (the wire form of names depends on
// the encoder options then) and used on the reader goroutine only.
type route struct {
	expect   []string     // response names; nil: any (fallback only)
	fetch    *fetchFilter // FETCH/STORE: set, once per message, items
	status   string       // STATUS: mailbox name as sent
	patterns []string     // LIST/LSUB: ref+pattern as sent
	listStat bool         // LIST RETURN (STATUS ...)
	search   bool         // SEARCH, SORT, THREAD
	loose    bool         // arguments given as imap.Raw: what they say is unknown
}

// expectedNames returns the untagged response names a command produces,
// or nil when it may produce anything (SELECT, unknown extensions).
func expectedNames(name string) []string {
	switch name {
	case "FETCH", "UID FETCH":
		return []string{"FETCH", "VANISHED"}
	case "STORE", "UID STORE":
		return []string{"FETCH"}
	case "SEARCH", "UID SEARCH":
		return []string{"SEARCH", "ESEARCH"}
	case "SORT", "UID SORT":
		return []string{"SORT", "ESEARCH"}
	case "THREAD", "UID THREAD":
		return []string{"THREAD"}
	case "LIST", "LSUB":
		return []string{"LIST", "LSUB", "STATUS"}
	case "STATUS":
		return []string{"STATUS"}
	case "CAPABILITY":
		return []string{"CAPABILITY"}
	case "NAMESPACE":
		return []string{"NAMESPACE"}
	case "ID":
		return []string{"ID"}
	case "ENABLE":
		return []string{"ENABLED"}
	case "NOOP", "CHECK", "LOGIN", "AUTHENTICATE", "CREATE", "DELETE", "RENAME", "SUBSCRIBE",
		"UNSUBSCRIBE", "APPEND", "IDLE", "UNSELECT":
		return []string{}
	}
	return nil
}

// newRoute builds the route of a command named name with args; utf8 says
// whether mailbox names go on the wire as UTF-8.
func newRoute(name string, args []imap.Value, utf8 bool) route {
	r := route{expect: expectedNames(name), fetch: newFetchFilter(name, args)}
	for _, a := range args {
		if _, ok := a.(imap.Raw); ok {
			r.loose = true
		}
	}
	switch name {
	case "STATUS":
		if len(args) > 1 {
			r.status = wireName(args[1], utf8)
		}
	case "LIST", "LSUB":
		r.patterns, r.listStat = listPatterns(args[1:], utf8)
	case "SEARCH", "UID SEARCH", "SORT", "UID SORT", "THREAD", "UID THREAD":
		r.search = true
		if !untaggedSearch(name, args) {
			r.expect = []string{"ESEARCH"} // RETURN: never a plain SEARCH
		}
	}
	return r
}

// wireName returns a mailbox argument as the encoder writes it.
func wireName(v imap.Value, utf8 bool) string {
	if m, ok := v.(imap.Mailbox); ok {
		if utf8 {
			return string(m)
		}
		return mutf7.Encode(string(m))
	}
	s, _ := imap.AsString(v)
	return s
}

// listPatterns returns ref+pattern for each pattern of a LIST (RFC 5258
// §3: [selection options] ref (pattern / pattern list) [RETURN (...)]),
// and whether STATUS is among the return options (RFC 5819).
func listPatterns(args []imap.Value, utf8 bool) (pats []string, status bool) {
	if len(args) > 0 {
		if _, ok := args[0].(imap.List); ok {
			args = args[1:]
		}
	}
	if len(args) < 2 {
		return nil, false
	}
	ref := wireName(args[0], utf8)
	if l, ok := args[1].(imap.List); ok {
		for _, p := range l {
			pats = append(pats, ref+wireName(p, utf8))
		}
	} else {
		pats = append(pats, ref+wireName(args[1], utf8))
	}
	for i := 2; i+1 < len(args); i++ {
		if imap.IsAtomNamed(args[i], "RETURN") {
			ret, _ := args[i+1].(imap.List)
			for _, o := range ret {
				status = status || imap.IsAtomNamed(o, "STATUS")
			}
		}
	}
	return pats, status
}

// matchResp says how resp fits cmd (see the table above).
func (cmd *Cmd) matchResp(resp *imap.Response, name string) match {
	r := &cmd.route
	if name == "ESEARCH" {
		if tag, ok := esearchTag(resp); ok {
			if tag == cmd.tag {
				return exact
			}
			return noMatch
		}
		if r.search {
			return fallback
		}
	}
	if r.expect == nil {
		return fallback
	}
	if !hasName(r.expect, name) {
		return noMatch
	}
	if r.loose {
		return fallback
	}
	switch name {
	case "FETCH":
		if r.fetch != nil {
			return r.fetch.match(resp)
		}
	case "STATUS":
		return r.matchStatus(resp)
	case "LIST", "LSUB":
		return r.matchList(resp)
	}
	return exact
}

// esearchTag returns the search correlator of an ESEARCH response.
func esearchTag(resp *imap.Response) (string, bool) {
	args := resp.Args()
	if len(args) == 0 {
		return "", false
	}
	l, ok := args[0].(imap.List)
	if !ok || len(l) != 2 || !imap.IsAtomNamed(l[0], "TAG") {
		return "", false
	}
	return imap.AsString(l[1])
}

func (r *route) matchStatus(resp *imap.Response) match {
	args := resp.Args()
	if len(args) == 0 {
		return noMatch
	}
	name, _ := imap.AsString(args[0])
	if r.status != "" {
		if sameMailbox(name, r.status) {
			return exact
		}
		return noMatch
	}
	if r.listStat && r.patternsMatch(name, 0, true) {
		return exact
	}
	return noMatch
}

func (r *route) matchList(resp *imap.Response) match {
	args := resp.Args()
	if len(args) < 3 {
		return fallback
	}
	name, _ := imap.AsString(args[2])
	var delim byte
	if d, _, _ := imap.AsNString(args[1]); len(d) == 1 {
		delim = d[0]
	}
	if r.patternsMatch(name, delim, false) {
		return exact
	}
	return fallback
}

// patternsMatch reports whether name matches one of the patterns; anyDelim
// lets "%" match the delimiter too (STATUS responses do not carry it).
func (r *route) patternsMatch(name string, delim byte, anyDelim bool) bool {
	for _, p := range r.patterns {
		if listMatch(p, name, delim, anyDelim) {
			return true
		}
	}
	return false
}

// listMatch matches a LIST pattern against a name (RFC 9051 §6.3.9):
// "*" matches anything, "%" anything but delim. INBOX matches in any
// case. It runs in time len(pattern)×len(name) (the name comes from the
// server: no backtracking it could make exponential), on the set of
// pattern positions reachable after each byte of the name.
func listMatch(pattern, name string, delim byte, anyDelim bool) bool {
	if sameMailbox(pattern, name) {
		return true
	}
	cur := make([]bool, len(pattern)+1)
	next := make([]bool, len(pattern)+1)
	cur[0] = true
	closeStars(pattern, cur)
	for i := 0; i < len(name); i++ {
		clear(next)
		alive := false
		for j, ok := range cur {
			if !ok || j == len(pattern) {
				continue
			}
			switch c := pattern[j]; {
			case c == '*' || c == '%' && (anyDelim || delim == 0 || name[i] != delim):
				next[j] = true // the wildcard takes this byte too
			case c == name[i]:
				next[j+1] = true
			}
		}
		closeStars(pattern, next)
		for _, ok := range next {
			alive = alive || ok
		}
		if !alive {
			return false
		}
		cur, next = next, cur
	}
	return cur[len(pattern)]
}

// closeStars adds, to the reachable pattern positions, those after
// wildcards that may match nothing.
func closeStars(pattern string, set []bool) {
	for j := 0; j < len(pattern); j++ {
		if set[j] && (pattern[j] == '*' || pattern[j] == '%') {
			set[j+1] = true
		}
	}
}

// sameMailbox compares wire names; INBOX is case-insensitive (RFC 9051 §5.1).
func sameMailbox(a, b string) bool {
	return a == b || strings.EqualFold(a, "INBOX") && strings.EqualFold(b, "INBOX")
}

func hasName(names []string, n string) bool {
	for _, x := range names {
		if x == n {
			return true
		}
	}
	return false
}

// offer gives resp to the command it belongs to (the oldest exact match,
// else the oldest fallback) and reports whether the Handler should not
// see it: typed commands take what they claim; a generic command keeps a
// copy, and unilateral kinds still go to the Handler too.
func (c *Client) offer(resp *imap.Response) bool {
	c.mu.Lock()
	c.offerBuf = append(c.offerBuf[:0], c.inflight...) // reader goroutine only
	cmds := c.offerBuf
	c.mu.Unlock()
	name := resp.Name()
	var fallbacks []*Cmd
	for _, cmd := range cmds {
		switch cmd.matchResp(resp, name) {
		case exact:
			if taken, hide := cmd.take(resp); taken {
				return hide
			}
		case fallback:
			fallbacks = append(fallbacks, cmd)
		}
	}
	for _, cmd := range fallbacks {
		if taken, hide := cmd.take(resp); taken {
			return hide
		}
	}
	return false
}

// take hands resp to cmd: its claim decides, a generic command collects
// it. hide says that the Handler should not see it.
func (cmd *Cmd) take(resp *imap.Response) (taken, hide bool) {
	if f := cmd.route.fetch; f != nil && resp.Name() == "FETCH" {
		f.taken(resp)
	}
	if cmd.claim != nil && cmd.runClaim(resp) {
		return true, true
	}
	if cmd.collect {
		if !cmd.abandoned.Load() {
			cmd.untagged = append(cmd.untagged, resp)
		}
		return true, !isUnilateral(resp)
	}
	return false, false
}

// runClaim calls cmd.claim under cmd.mu unless the command was abandoned
// (then the response is taken and dropped): once Wait has given up, the
// typed method's result is no longer touched by the reader.
func (cmd *Cmd) runClaim(resp *imap.Response) bool {
	cmd.mu.Lock()
	defer cmd.mu.Unlock()
	if cmd.abandoned.Load() {
		return true
	}
	return cmd.claim(resp)
}
