package imapstore

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/store"
)

// msgIDSection is the header fetch for Message-ID (RFC 9051 §6.4.5
// BODY.PEEK[HEADER.FIELDS]); PEEK keeps \Seen unchanged.
const msgIDSection = "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"

// metaItems returns the FETCH items of a listing: UID FLAGS RFC822.SIZE
// INTERNALDATE, MODSEQ with CONDSTORE (RFC 7162 §3.1.4), Gmail's ids and
// labels, RFC 8474's EMAILID and THREADID, and the Message-ID header when
// asked.
func (s *Store) metaItems(withMessageID bool) []imap.Value {
	names := []string{"UID", "FLAGS", "RFC822.SIZE", "INTERNALDATE"}
	if s.caps.condStore {
		names = append(names, "MODSEQ")
	}
	if s.caps.gmail {
		names = append(names, "X-GM-MSGID", "X-GM-THRID", "X-GM-LABELS")
	}
	if s.caps.objectID {
		names = append(names, "EMAILID", "THREADID")
	}
	if withMessageID {
		names = append(names, msgIDSection)
	}
	out := make([]imap.Value, len(names))
	for i, n := range names {
		out[i] = imap.Raw(n)
	}
	return out
}

// toMessage converts a FETCH response into neutral metadata: flags
// normalised by store.NewFlags (servers that lower-case them, \Recent
// dropped), ids only where the store claims them.
func (s *Store) toMessage(fd *imap.FetchData) store.Message {
	m := store.Message{
		UID:          store.UID(fd.UID),
		Flags:        toFlags(s.validFlags(fd)),
		Size:         int64(fd.Size),
		InternalDate: fd.InternalDate,
	}
	if s.caps.condStore {
		m.ModSeq = store.ModSeq(fd.ModSeq)
	}
	switch {
	case s.caps.gmail:
		m.EmailID = strconv.FormatUint(fd.GmailMsgID, 10)
		m.ThreadID = strconv.FormatUint(fd.GmailThreadID, 10)
		m.Labels = readableLabels(fd.GmailLabels)
	case s.caps.objectID:
		m.EmailID, m.ThreadID = fd.EmailID, fd.ThreadID
	}
	if sec := fd.Section("BODY[HEADER.FIELDS (MESSAGE-ID)]"); sec != nil {
		if text, ok := sec.Text(); ok {
			m.MessageID = headerMessageID([]byte(text))
		}
	}
	return m
}

// validFlags returns fd's flags without those that are not UTF-8 (a
// flag-keyword is an atom, RFC 9051 §9: ASCII), which nothing could store;
// each dropped one is warned about.
func (s *Store) validFlags(fd *imap.FetchData) []imap.Flag {
	invalid := func(f imap.Flag) bool { return !utf8.ValidString(string(f)) }
	if !slices.ContainsFunc(fd.Flags, invalid) {
		return fd.Flags
	}
	out := make([]imap.Flag, 0, len(fd.Flags))
	for _, f := range fd.Flags {
		if invalid(f) {
			s.log.Warn("imapstore: ignoring a flag that is not valid UTF-8", "uid", fd.UID, "flag", fmt.Sprintf("%q", string(f)))
			continue
		}
		out = append(out, f)
	}
	return out
}

// toFlags converts wire flags to a canonical store.Flags.
func toFlags(fs []imap.Flag) store.Flags {
	out := make([]store.Flag, len(fs))
	for i, f := range fs {
		out[i] = store.Flag(f)
	}
	return store.NewFlags(out...)
}

// fromFlags converts store flags to wire flags. Left out: \Recent (no
// client may set it, RFC 9051 §2.3.2) and names IMAP cannot carry (a flag
// is "\" atom or an atom, RFC 9051 §9: a keyword with a space, a bracket
// or non-ASCII, which a Maildir may hold, has no IMAP form).
func fromFlags(fs store.Flags) imap.List {
	out := imap.List{}
	for _, f := range fs {
		f = f.Canonical()
		if f == store.Recent || !imap.IsAtom(strings.TrimPrefix(string(f), `\`)) {
			continue
		}
		out = append(out, imap.Flag(f))
	}
	return out
}

// headerMessageID returns the value of the Message-ID field of a header
// block (unfolded, RFC 5322 §2.2.3), normalised by
// store.NormalizeMessageID, or "".
func headerMessageID(hdr []byte) string {
	lines := bytes.Split(hdr, []byte("\n"))
	for i := 0; i < len(lines); i++ {
		name, val, ok := bytes.Cut(lines[i], []byte(":"))
		if !ok || !strings.EqualFold(string(bytes.TrimSpace(name)), "Message-ID") {
			continue
		}
		v := string(val)
		for i+1 < len(lines) && len(lines[i+1]) > 0 && (lines[i+1][0] == ' ' || lines[i+1][0] == '\t') {
			i++
			v += string(lines[i])
		}
		return store.NormalizeMessageID(v)
	}
	return ""
}

// readableLabels gives Gmail labels (decoded from modified UTF-7 by imap)
// as the store reports them: system labels by their readable names
// (imap.GmailLabelName: \Inbox → Inbox), and without \Starred and
// \Draft, which Gmail shows as the \Flagged and \Draft flags: each fact
// travels once, as a flag.
func readableLabels(labels []string) []string {
	var out []string
	for _, l := range labels {
		if strings.EqualFold(l, imap.GmailStarred) || strings.EqualFold(l, imap.GmailDraft) {
			continue
		}
		out = append(out, imap.GmailLabelName(l))
	}
	return out
}
