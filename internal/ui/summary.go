package ui

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// WriteSummary writes an account's summary: a title line, then an aligned
// table with one row per mailbox (in the given order) and a total row, then
// one line per failed mailbox. Zero counts print as "-". Under dryRun the
// wording says what would be done. The output depends only on the arguments.
func WriteSummary(w io.Writer, account string, results []MailboxResult, dryRun bool) error {
	var total MailboxStats
	failed := 0
	for _, r := range results {
		total.Add(r.Stats)
		if isFailure(r.Err) {
			failed++
		}
	}
	var b strings.Builder
	b.WriteString(accountTitle(account, len(results), failed, total.Changes(), dryRun) + "\n")
	if len(results) > 0 {
		writeTable(&b, results, total, dryRun)
	}
	for _, r := range results {
		if r.Err != nil {
			fmt.Fprintf(&b, "  %s: %s: %v\n", r.Mailbox, outcomeWord(r.Err), r.Err)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func accountTitle(account string, mailboxes, failed, changes int, dryRun bool) string {
	s := account
	if dryRun {
		s += " (dry run, nothing changed)"
	}
	s += fmt.Sprintf(": %s, %s", plural(mailboxes, "mailbox", "mailboxes"), changesPhrase(changes, dryRun))
	if failed > 0 {
		s += fmt.Sprintf(", %d failed", failed)
	}
	return s
}

func changesPhrase(changes int, dryRun bool) string {
	switch {
	case changes == 0 && dryRun:
		return "nothing would change"
	case changes == 0:
		return "no changes"
	case dryRun:
		return "would make " + plural(changes, "change", "changes")
	}
	return plural(changes, "change", "changes")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

var tableHeader = []string{"mailbox", "new", "changed", "deleted", "moved",
	"new", "changed", "deleted", "moved", "conflicts", "skipped", "held", "errors"}

func statsCells(name string, s MailboxStats) []string {
	row := []string{name}
	for _, c := range []Counts{s.Pull, s.Push} {
		row = append(row, cell(c.New), cell(c.Changed), cell(c.Deleted), cell(c.Moved))
	}
	return append(row, cell(s.Conflicts), cell(s.Skipped), cell(s.Held), cell(s.Errors))
}

func cell(n int) string {
	if n == 0 {
		return "-"
	}
	return strconv.Itoa(n)
}

// writeTable renders the mailbox table; column 0 is left-aligned, the
// counters right-aligned; widths count runes (names may be non-ASCII).
func writeTable(b *strings.Builder, results []MailboxResult, total MailboxStats, dryRun bool) {
	rows := [][]string{tableHeader}
	for _, r := range results {
		rows = append(rows, statsCells(r.Mailbox, r.Stats))
	}
	rows = append(rows, statsCells("total", total))
	widths := columnWidths(rows)
	pull, push := "pulled (far → near)", "pushed (near → far)"
	if dryRun {
		pull, push = "would pull (far → near)", "would push (near → far)"
	}
	b.WriteString(strings.TrimRight(groupLine(widths, pull, push), " ") + "\n")
	for _, row := range rows {
		b.WriteString(renderRow(row, widths) + "\n")
	}
}

func columnWidths(rows [][]string) []int {
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	return widths
}

// gap is the space before column i: wider between the column groups.
func gap(i int) int {
	if i == 5 || i == 9 {
		return 4
	}
	return 2
}

func renderRow(row []string, widths []int) string {
	var b strings.Builder
	b.WriteString("  ")
	for i, c := range row {
		pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
		if i == 0 {
			b.WriteString(c + pad)
			continue
		}
		b.WriteString(strings.Repeat(" ", gap(i)) + pad + c)
	}
	return b.String()
}

// groupLine puts the direction titles over columns 1–4 and 5–8.
func groupLine(widths []int, pull, push string) string {
	at := func(col int) int { // start offset of a column in a rendered row
		off := 2 + widths[0]
		for i := 1; i < col; i++ {
			off += gap(i) + widths[i]
		}
		return off + gap(col)
	}
	line := []rune(strings.Repeat(" ", at(len(widths))))
	copy(line[at(1):], []rune(pull))
	start := max(at(5), at(1)+utf8.RuneCountInString(pull)+gap(5))
	if need := start + utf8.RuneCountInString(push); need > len(line) {
		line = append(line, []rune(strings.Repeat(" ", need-len(line)))...)
	}
	copy(line[start:], []rune(push))
	return string(line)
}

// mailboxLine is the one-line result of a mailbox, e.g.
// "work/INBOX: pulled 120 new, 3 changed; pushed 1 new; 1 skipped (too large)".
func mailboxLine(k mboxKey, s MailboxStats, err error, dryRun bool) string {
	if err != nil {
		return fmt.Sprintf("%s: %s: %v", k, outcomeWord(err), err)
	}
	var parts []string
	verbs := [2]string{"pulled", "pushed"}
	if dryRun {
		verbs = [2]string{"would pull", "would push"}
	}
	for i, c := range []Counts{s.Pull, s.Push} {
		if c.Total() > 0 {
			parts = append(parts, verbs[i]+" "+countsPhrase(c))
		}
	}
	parts = append(parts, extrasPhrases(s, dryRun)...)
	if s.Interrupted {
		parts = append(parts, "interrupted (the next run continues)")
	}
	if len(parts) == 0 {
		if dryRun {
			return k.String() + ": nothing would change"
		}
		return k.String() + ": up to date"
	}
	return k.String() + ": " + strings.Join(parts, "; ")
}

func countsPhrase(c Counts) string {
	var p []string
	for _, x := range []struct {
		n    int
		what string
	}{{c.New, "new"}, {c.Changed, "changed"}, {c.Deleted, "deleted"}, {c.Moved, "moved"}} {
		if x.n > 0 {
			p = append(p, fmt.Sprintf("%d %s", x.n, x.what))
		}
	}
	return strings.Join(p, ", ")
}

func extrasPhrases(s MailboxStats, dryRun bool) []string {
	var p []string
	if s.Conflicts > 0 {
		p = append(p, plural(s.Conflicts, "conflict", "conflicts"))
	}
	if s.Skipped > 0 {
		skip := "skipped"
		if dryRun {
			skip = "would be skipped"
		}
		p = append(p, fmt.Sprintf("%d %s (too large)", s.Skipped, skip))
	}
	if s.Held > 0 {
		p = append(p, plural(s.Held, "deletion", "deletions")+" held back (use --force)")
	}
	if s.Errors > 0 {
		p = append(p, plural(s.Errors, "message", "messages")+" failed")
	}
	return p
}

// finalLine is the last line of a run.
func finalLine(s *state, elapsed time.Duration, dryRun bool) string {
	head := "imapdir"
	if dryRun {
		head += " (dry run)"
	}
	line := fmt.Sprintf("%s: %s, %s, %s", head, plural(len(s.accounts), "account", "accounts"),
		plural(s.mailboxes, "mailbox", "mailboxes"), changesPhrase(s.grand.Changes(), dryRun))
	if s.failed > 0 {
		line += fmt.Sprintf(", %d failed", s.failed)
	}
	if n := s.failedAccounts(); n > 0 {
		line += ", " + plural(n, "account", "accounts") + " failed"
	}
	if s.grand.Skipped > 0 {
		line += fmt.Sprintf(", %d skipped", s.grand.Skipped)
	}
	return line + fmt.Sprintf(", %s in %s", FormatBytes(s.doneBytes), FormatDuration(elapsed))
}
