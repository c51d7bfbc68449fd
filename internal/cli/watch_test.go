package cli

import (
	"testing"
	"time"

	"github.com/imapdir/imapdir/internal/config"
	"github.com/imapdir/imapdir/internal/watch"
)

func TestPlainEventLines(t *testing.T) {
	at := time.Date(2026, 12, 4, 9, 30, 0, 0, time.Local)
	for _, c := range []struct {
		ev   watch.Event
		want string
	}{
		{watch.Event{Kind: watch.EventSynced, Account: "work", Mailbox: "INBOX", Pulled: watch.Counts{New: 2}, Pushed: watch.Counts{Changed: 1}},
			"09:30:00 work INBOX: synced: pulled 2 new; pushed 1 changed"},
		{watch.Event{Kind: watch.EventSynced, Account: "work", Full: true}, "09:30:00 work: full sync, no changes"},
		{watch.Event{Kind: watch.EventNewMail, Account: "work", Mailbox: "INBOX", Count: 1, From: "Renée", Subject: "Hi"},
			"09:30:00 work INBOX: 1 new, latest from Renée: Hi"},
		{watch.Event{Kind: watch.EventConnection, Account: "work", State: "retrying", Detail: "primary",
			Error: "connection lost\nEOF", RetryIn: 1500 * time.Millisecond},
			"09:30:00 work: retrying (primary): connection lost; EOF; next try in 1.5s"},
		{watch.Event{Kind: watch.EventError, Account: "work", Mailbox: "Lists", Error: "boom", RetryIn: 2 * time.Second},
			"09:30:00 work Lists: error: boom; retry in 2s"},
	} {
		c.ev.Time = at
		if got := plainEvent(c.ev); got != c.want {
			t.Errorf("got  %q\nwant %q", got, c.want)
		}
	}
}

func TestIdleRestartByServer(t *testing.T) {
	for host, want := range map[string]time.Duration{
		"imap.gmail.com": 9 * time.Minute, "outlook.office365.com": 9 * time.Minute,
		"imap.example.com": 25 * time.Minute, "notgmail.com.example": 25 * time.Minute,
	} {
		if got := idleRestart(&config.Account{Host: host}); got != want {
			t.Errorf("%s: %s, want %s", host, got, want)
		}
	}
	if got := idleRestart(&config.Account{Host: "imap.gmail.com", IdleRestart: 3 * time.Minute}); got != 3*time.Minute {
		t.Errorf("configured idle_restart ignored: %s", got)
	}
}
