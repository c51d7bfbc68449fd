package imapclient

import (
	"github.com/imapdir/imapdir/imap"
)

// Routing of untagged data to pipelined commands. IMAP does not say which
// command an untagged response belongs to (RFC 9051 §2.2.2, §5.5); the
// client offers each response to the commands in flight, oldest first, and
// the first that wants it takes it. A command wants the response names its
// kind produces (FETCH for FETCH and STORE, LIST and STATUS for LIST, ...);
// FETCH responses must also fall in the command's message set, by UID for
// UID commands and by sequence number otherwise, so that pipelined FETCHes
// of different messages each get their own.

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

// wants reports whether cmd is the command resp belongs to.
func (cmd *Cmd) wants(resp *imap.Response) bool {
	name := resp.Name()
	if cmd.expect != nil && !hasName(cmd.expect, name) {
		return false
	}
	if name == "FETCH" && cmd.inSet != nil {
		return cmd.inSet(resp)
	}
	return true
}

func hasName(names []string, n string) bool {
	for _, x := range names {
		if x == n {
			return true
		}
	}
	return false
}

// setFilter returns a membership test for the message set of FETCH and
// STORE commands (UID FETCH set ...: args[2]; FETCH set ...: args[1]).
// A command takes each message once: servers that run pipelined commands
// in parallel (Dovecot) interleave the answers of two FETCHes of the same
// message, and the second answer belongs to the later command. The test
// runs on the reader goroutine only.
func setFilter(name string, args []imap.Value) func(*imap.Response) bool {
	switch name {
	case "UID FETCH", "UID STORE":
		if len(args) > 2 {
			if set, ok := uidSetOf(args[2]); ok {
				var seen imap.UIDSet
				return func(r *imap.Response) bool {
					u, found := fetchUID(r)
					if !found {
						return true
					}
					if !set.Contains(u) || seen.Contains(u) {
						return false
					}
					seen.AddNum(u)
					return true
				}
			}
		}
	case "FETCH", "STORE":
		if len(args) > 1 {
			if set, ok := seqSetOf(args[1]); ok {
				var seen imap.SeqSet
				return func(r *imap.Response) bool {
					n, _ := r.Num()
					if !set.Contains(imap.SeqNum(n)) || seen.Contains(imap.SeqNum(n)) {
						return false
					}
					seen.AddNum(imap.SeqNum(n))
					return true
				}
			}
		}
	}
	return nil
}

func uidSetOf(v imap.Value) (imap.UIDSet, bool) {
	switch v := v.(type) {
	case imap.UIDSet:
		return v, true
	case imap.UID:
		return imap.UIDSetOf(v), true
	}
	s, ok := imap.AsString(v)
	if !ok {
		return imap.UIDSet{}, false
	}
	set, err := imap.ParseUIDSet(s)
	return set, err == nil
}

func seqSetOf(v imap.Value) (imap.SeqSet, bool) {
	switch v := v.(type) {
	case imap.SeqSet:
		return v, true
	case imap.SeqNum:
		return imap.SeqSetOf(v), true
	}
	s, ok := imap.AsString(v)
	if !ok {
		return imap.SeqSet{}, false
	}
	set, err := imap.ParseSeqSet(s)
	return set, err == nil
}

// fetchUID finds the UID item of a FETCH response without a full parse.
func fetchUID(r *imap.Response) (imap.UID, bool) {
	args := r.Args()
	if len(args) != 1 {
		return 0, false
	}
	items, ok := args[0].(imap.List)
	if !ok {
		return 0, false
	}
	for i := 0; i+1 < len(items); i += 2 {
		if imap.IsAtomNamed(items[i], "UID") {
			n, ok := imap.AsNumber(items[i+1])
			return imap.UID(n), ok
		}
	}
	return 0, false
}

// offer gives resp to the first command in flight (oldest first) that
// wants it and reports whether the Handler should not see it: typed
// commands take what they claim; a generic command keeps a copy, and
// unilateral kinds still go to the Handler too.
func (c *Client) offer(resp *imap.Response) bool {
	c.mu.Lock()
	c.offerBuf = append(c.offerBuf[:0], c.inflight...) // reader goroutine only
	cmds := c.offerBuf
	c.mu.Unlock()
	for _, cmd := range cmds {
		if !cmd.wants(resp) {
			continue
		}
		if cmd.claim != nil && cmd.runClaim(resp) {
			return true
		}
		if cmd.collect {
			if !cmd.abandoned.Load() {
				cmd.untagged = append(cmd.untagged, resp)
			}
			return !isUnilateral(resp)
		}
	}
	return false
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
