package gmailsim

import (
	"fmt"
	"strings"
	"time"
)

// xlistAttr is the attribute Gmail's older XLIST gives each special use.
var xlistAttr = map[string]string{`\All`: `\AllMail`, `\Junk`: `\Spam`, `\Flagged`: `\Starred`}

// cmdList answers LIST, LSUB and XLIST, including LIST-EXTENDED's
// selection options and RETURN (SPECIAL-USE, CHILDREN, STATUS (...))
// (RFC 5258, RFC 6154, RFC 5819). Gmail sends special-use attributes
// whether asked or not.
func (s *session) cmdList(name string, args []tok) error {
	if len(args) > 0 && args[0].isList {
		args = args[1:] // selection options: every folder is subscribed and special-use ones are marked anyway
	}
	if len(args) < 2 {
		return bad("%s reference pattern", name)
	}
	ref := s.name(args[0])
	var pats []string
	if args[1].isList {
		for _, p := range args[1].list {
			pats = append(pats, ref+s.name(p))
		}
	} else {
		pats = []string{ref + s.name(args[1])}
	}
	var status []tok
	if len(args) >= 4 && args[2].isAtom("RETURN") {
		for i, r := range args[3].list {
			if r.isAtom("STATUS") && i+1 < len(args[3].list) {
				status = args[3].list[i+1].list
			}
		}
	}
	a := s.acct
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, n := range a.listNames() {
		if !matchAny(pats, n) {
			continue
		}
		f := a.folder(n)
		attrs := a.listAttrs(n, f, name == "XLIST")
		s.line("* %s (%s) \"/\" %s", name, strings.Join(attrs, " "), quoteAlways(s.outName(n)))
		if f != nil && status != nil {
			s.statusLine(f, status)
		}
	}
	return nil
}

// listNames returns the folder names and the implied parents ("[Gmail]").
func (a *account) listNames() []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range a.folders {
		if i := strings.LastIndexByte(f.name, '/'); i > 0 && !seen[f.name[:i]] && a.folder(f.name[:i]) == nil {
			seen[f.name[:i]] = true
			out = append(out, f.name[:i])
		}
		out = append(out, f.name)
	}
	return out
}

func (a *account) listAttrs(n string, f *folder, xlist bool) []string {
	var attrs []string
	if f == nil {
		attrs = append(attrs, `\Noselect`)
	}
	children := false
	for _, g := range a.folders {
		children = children || strings.HasPrefix(g.name, n+"/")
	}
	if children {
		attrs = append(attrs, `\HasChildren`)
	} else {
		attrs = append(attrs, `\HasNoChildren`)
	}
	if f != nil && f.attr != "" {
		attr := f.attr
		if x, ok := xlistAttr[attr]; ok && xlist {
			attr = x
		}
		attrs = append(attrs, attr)
	}
	if xlist && f != nil && f.name == "INBOX" {
		attrs = append(attrs, `\Inbox`)
	}
	return attrs
}

func matchAny(pats []string, name string) bool {
	for _, p := range pats {
		if match(p, name) || (strings.EqualFold(p, "INBOX") && name == "INBOX") {
			return true
		}
	}
	return false
}

// match is LIST's wildcard match: "*" matches anything, "%" anything but
// the hierarchy delimiter (RFC 9051 §6.3.9).
func match(pat, name string) bool {
	if pat == "" {
		return name == ""
	}
	switch pat[0] {
	case '*', '%':
		for i := 0; i <= len(name); i++ {
			if match(pat[1:], name[i:]) {
				return true
			}
			if i < len(name) && pat[0] == '%' && name[i] == '/' {
				return false
			}
		}
		return false
	}
	return name != "" && name[0] == pat[0] && match(pat[1:], name[1:])
}

func (s *session) cmdStatus(args []tok) error {
	if len(args) != 2 || !args[1].isList {
		return bad("STATUS mailbox (items)")
	}
	a := s.acct
	a.mu.Lock()
	defer a.mu.Unlock()
	f := a.folder(s.name(args[0]))
	if f == nil {
		return no("[NONEXISTENT] Unknown Mailbox: %s (Failure)", s.name(args[0]))
	}
	s.statusLine(f, args[1].list)
	return nil
}

func (s *session) statusLine(f *folder, items []tok) {
	var out []string
	for _, it := range items {
		var v uint64
		switch n := strings.ToUpper(it.atom); n {
		case "MESSAGES":
			v = uint64(len(f.entries))
		case "UIDNEXT":
			v = uint64(f.uidNext)
		case "UIDVALIDITY":
			v = uint64(f.uidValidity)
		case "UNSEEN":
			for _, e := range f.entries {
				if !e.m.flags[`\Seen`] {
					v++
				}
			}
		case "HIGHESTMODSEQ":
			v = s.acct.modSeq
		case "RECENT":
		default:
			continue
		}
		out = append(out, fmt.Sprintf("%s %d", strings.ToUpper(it.atom), v))
	}
	s.line("* STATUS %s (%s)", quoteAlways(s.outName(f.name)), strings.Join(out, " "))
}

func (s *session) cmdSelect(readOnly bool, args []tok) error {
	if len(args) < 1 {
		return bad("SELECT mailbox")
	}
	if len(args) > 1 && args[1].isList && len(args[1].list) > 0 && args[1].list[0].isAtom("CONDSTORE") {
		s.condstore = true
	}
	s.sel = nil
	a := s.acct
	a.mu.Lock()
	defer a.mu.Unlock()
	f := a.folder(s.name(args[0]))
	if f == nil {
		return no("[NONEXISTENT] Unknown Mailbox: %s (Failure)", s.name(args[0]))
	}
	sel := &selected{f: f, readOnly: readOnly, seenMod: a.modSeq}
	for _, e := range f.entries {
		sel.view = append(sel.view, e.uid)
	}
	s.sel = sel
	s.line(`* FLAGS (\Answered \Flagged \Draft \Deleted \Seen $NotPhishing $Phishing)`)
	s.line(`* OK [PERMANENTFLAGS (\Answered \Flagged \Draft \Deleted \Seen $NotPhishing $Phishing \*)] Flags permitted.`)
	s.line("* OK [UIDVALIDITY %d] UIDs valid.", f.uidValidity)
	s.line("* %d EXISTS", len(sel.view))
	s.line("* 0 RECENT")
	s.line("* OK [UIDNEXT %d] Predicted next UID.", f.uidNext)
	s.line("* OK [HIGHESTMODSEQ %d]", a.modSeq)
	if readOnly {
		return okCode("[READ-ONLY] %s selected. (Success)", f.name)
	}
	return okCode("[READ-WRITE] %s selected. (Success)", f.name)
}

// cmdCreate creates a label (a folder under it). Names under [Gmail]/
// are Gmail's own and refused.
func (s *session) cmdCreate(args []tok) error {
	if len(args) < 1 {
		return bad("CREATE mailbox")
	}
	name := strings.TrimSuffix(s.name(args[0]), "/")
	a := s.acct
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.folder(name) != nil || strings.HasPrefix(name, "[Gmail]") || name == "" {
		return no("[ALREADYEXISTS] Folder name conflicts with existing folder name. (Failure)")
	}
	a.labelFolder(name)
	return nil
}

// cmdDelete removes a label from every message and its folder.
func (s *session) cmdDelete(args []tok) error {
	if len(args) < 1 {
		return bad("DELETE mailbox")
	}
	a := s.acct
	a.mu.Lock()
	defer a.mu.Unlock()
	f := a.folder(s.name(args[0]))
	if f == nil || f.attr != "" || f.name == "INBOX" {
		return no("[CANNOT] Cannot delete this folder (Failure)")
	}
	for _, m := range a.msgs {
		if m.labels[f.label] {
			delete(m.labels, f.label)
			a.touch(m)
		}
	}
	for i, g := range a.folders {
		if g == f {
			a.folders = append(a.folders[:i], a.folders[i+1:]...)
			break
		}
	}
	a.reconcile()
	return nil
}

// cmdRename renames a user label, its sub-labels with it: every message
// keeps its place under the new name (and gets a new mod-sequence, its
// labels having changed).
func (s *session) cmdRename(args []tok) error {
	if len(args) != 2 {
		return bad("RENAME from to")
	}
	from, to := s.name(args[0]), s.name(args[1])
	a := s.acct
	a.mu.Lock()
	defer a.mu.Unlock()
	f := a.folder(from)
	switch {
	case f == nil:
		return no("[NONEXISTENT] Unknown Mailbox: %s (Failure)", from)
	case f.attr != "" || f.name == "INBOX":
		return no("[CANNOT] Cannot rename this folder (Failure)")
	case a.folder(to) != nil || strings.HasPrefix(to, "[Gmail]") || to == "":
		return no("[ALREADYEXISTS] Folder name conflicts with existing folder name. (Failure)")
	}
	renamed := map[string]string{}
	for _, g := range a.folders {
		if g.attr == "" && g.name != "INBOX" && (g.name == from || strings.HasPrefix(g.name, from+"/")) {
			renamed[g.label] = to + strings.TrimPrefix(g.name, from)
			g.name, g.label = renamed[g.label], renamed[g.label]
		}
	}
	for _, m := range a.msgs {
		touched := false
		for old, nu := range renamed {
			if m.labels[old] {
				delete(m.labels, old)
				m.labels[nu] = true
				touched = true
			}
		}
		if touched {
			a.touch(m)
		}
	}
	a.reconcile()
	return nil
}

// cmdAppend adds a message to a folder: it gets that folder's label (none
// for All Mail). RFC 4315 APPENDUID in the reply.
func (s *session) cmdAppend(args []tok) error {
	if len(args) < 2 {
		return bad("APPEND mailbox [flags] [date] message")
	}
	name := s.name(args[0])
	var flags []string
	date := s.srv.opts.Now()
	for _, t := range args[1 : len(args)-1] {
		switch {
		case t.isList:
			for _, f := range t.list {
				flags = append(flags, f.atom)
			}
		case t.str != nil:
			d, err := time.Parse("_2-Jan-2006 15:04:05 -0700", *t.str)
			if err != nil {
				return bad("bad date-time")
			}
			date = d
		}
	}
	body := args[len(args)-1].str
	if body == nil {
		return bad("APPEND needs a literal")
	}
	a := s.acct
	a.mu.Lock()
	defer a.mu.Unlock()
	f := a.folder(name)
	if f == nil {
		return no("[TRYCREATE] Folder doesn't exist. (Failure)")
	}
	var labels []string
	if f.label != "" {
		labels = []string{f.label}
	}
	m := a.newMessage([]byte(*body), date, flags, labels, 0)
	a.stats.Appends++
	a.reconcile()
	s.updatesLocked(true)
	for _, e := range f.entries {
		if e.m == m {
			return okCode("[APPENDUID %d %d] (Success)", f.uidValidity, e.uid)
		}
	}
	return nil
}
