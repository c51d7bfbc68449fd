package ui

import (
	"github.com/imapdir/imapdir/internal/golden"
	"strings"
	"testing"
	"time"
)

func TestWriteSummaryGolden(t *testing.T) {
	for _, c := range []struct {
		file   string
		dryRun bool
	}{{"summary.golden", false}, {"summary_dryrun.golden", true}} {
		var b strings.Builder
		if err := WriteSummary(&b, "work", sampleResults(), c.dryRun); err != nil {
			t.Fatal(err)
		}
		golden.Check(t, c.file, b.String())
	}
}

func TestWriteSummaryEmpty(t *testing.T) {
	var b strings.Builder
	_ = WriteSummary(&b, "home", nil, false)
	if got := b.String(); got != "home: 0 mailboxes, no changes\n" {
		t.Errorf("got %q", got)
	}
}

func TestMailboxLine(t *testing.T) {
	k := mboxKey{"work", "INBOX"}
	s := MailboxStats{Pull: Counts{New: 2, Moved: 1}, Push: Counts{Changed: 1}, Skipped: 3, Held: 1}
	cases := []struct {
		stats  MailboxStats
		dryRun bool
		want   string
	}{
		{s, false, "work/INBOX: pulled 2 new, 1 moved; pushed 1 changed; 3 skipped (too large); 1 deletion held back (use --force)"},
		{s, true, "work/INBOX: would pull 2 new, 1 moved; would push 1 changed; 3 would be skipped (too large); 1 deletion held back (use --force)"},
		{MailboxStats{}, false, "work/INBOX: up to date"},
		{MailboxStats{Interrupted: true}, false, "work/INBOX: interrupted (the next run continues)"},
		{MailboxStats{}, true, "work/INBOX: nothing would change"},
	}
	for _, c := range cases {
		if got := mailboxLine(k, c.stats, nil, c.dryRun); got != c.want {
			t.Errorf("got  %q\nwant %q", got, c.want)
		}
	}
}

func TestFormatBytesAndDuration(t *testing.T) {
	bytes := map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 20 << 20: "20.0 MiB", 3 << 30: "3.0 GiB"}
	for n, want := range bytes {
		if got := FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", n, got, want)
		}
	}
	durs := map[time.Duration]string{850 * time.Millisecond: "850ms", 4200 * time.Millisecond: "4.2s",
		200 * time.Second: "3m20s", 65 * time.Minute: "1h05m"}
	for d, want := range durs {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
