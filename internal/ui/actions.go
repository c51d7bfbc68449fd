package ui

import (
	"fmt"
	"strconv"
	"strings"
)

// Verbosity levels (Options.Verbose, the -v count).
const (
	// VerboseMailboxes: a line for every mailbox, "up to date" ones too,
	// and the mailbox-level notes (created, renamed, checkpoint unusable).
	VerboseMailboxes = 1
	// VerboseMessages: also a line per message action (ActionLine). A
	// dry run lists them from VerboseMailboxes on: what it would do to
	// each message is what a dry run is asked for.
	VerboseMessages = 2
)

// showActions reports whether o asks for a line per message action.
func (o Options) showActions() bool {
	return o.Verbose >= VerboseMessages || (o.DryRun && o.Verbose >= VerboseMailboxes)
}

// Action is one message action, as the engine reported it, in neutral
// terms for output and the action log.
type Action struct {
	Mailbox string
	// Verb is "pull" or "push" (a copy), "flag", "delete" or "move".
	Verb string
	// Side is where the change was made: "far" (the server) or "near"
	// (the Maildir).
	Side string
	// UID is the message's UID on the side it came from (pull, push) or
	// on Side; NewUID the UID it got there, 0 when unknown.
	UID, NewUID uint32
	MessageID   string
	Subject     string
	Add, Remove string // flag: the flags added and removed
	Dest        string // move: the destination mailbox
}

// ActionLine is the one-line form of a message action, the same on the
// terminal (-vv) and in the action log, e.g.
//
//	INBOX: pulled UID 12 as 7 <id@example.com> "Lunch?"
//	INBOX: flagged far UID 12 +\Seen <id@example.com>
//
// Subjects and Message-IDs are quoted so that no control character in a
// message reaches the terminal.
func ActionLine(a Action, dryRun bool) string {
	var b strings.Builder
	b.WriteString(a.Mailbox + ": ")
	verb := map[string][2]string{
		"pull": {"pulled", "would pull"}, "push": {"pushed", "would push"},
		"flag": {"flagged", "would flag"}, "delete": {"deleted", "would delete"},
		"move": {"moved", "would move"},
	}[a.Verb]
	if dryRun {
		b.WriteString(verb[1])
	} else {
		b.WriteString(verb[0])
	}
	switch a.Verb {
	case "flag", "delete", "move":
		b.WriteString(" " + a.Side)
	}
	fmt.Fprintf(&b, " UID %d", a.UID)
	if a.Verb == "move" {
		fmt.Fprintf(&b, " to %s", quoteIfNeeded(a.Dest))
	}
	if a.NewUID != 0 {
		fmt.Fprintf(&b, " as %d", a.NewUID)
	}
	if a.Verb == "flag" {
		if a.Add != "" {
			b.WriteString(" +" + strings.ReplaceAll(a.Add, " ", " +"))
		}
		if a.Remove != "" {
			b.WriteString(" -" + strings.ReplaceAll(a.Remove, " ", " -"))
		}
	}
	if a.MessageID != "" {
		b.WriteString(" " + quoteIfNeeded("<"+a.MessageID+">"))
	}
	if a.Subject != "" {
		fmt.Fprintf(&b, " %q", a.Subject)
	}
	return b.String()
}

// quoteIfNeeded returns s as it is when it is printable without spaces
// or quotes, else Go-quoted.
func quoteIfNeeded(s string) string {
	for _, r := range s {
		if r == ' ' || r == '"' || !strconv.IsPrint(r) {
			return fmt.Sprintf("%q", s)
		}
	}
	return s
}
