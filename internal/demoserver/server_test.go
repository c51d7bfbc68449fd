package demoserver

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

func start(t *testing.T, opts Options) *Server {
	t.Helper()
	s, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func login(t *testing.T, s *Server) *rawClient {
	c := dial(t, s.Addr())
	c.ok(fmt.Sprintf("LOGIN %s %s", s.User(), s.Password()))
	return c
}

func TestListAndStatusMatchSeed(t *testing.T) {
	s := start(t, Options{Seed: 42, Messages: 120})
	c := login(t, s)
	lines := c.ok(`LIST "" "*"`)
	var names []string
	re := regexp.MustCompile(`^\* LIST \([^)]*\) "/" (.+)$`)
	for _, l := range lines {
		m := re.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("LIST line %q", l)
		}
		names = append(names, strings.Trim(m[1], `"`))
	}
	want := []string{"Archive", "Archive/2024", "Entw&APw-rfe", "INBOX", "Sent"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("LIST names %q, want %q", names, want)
	}
	total := 0
	for _, info := range s.Seeded() {
		wire := `"` + strings.ReplaceAll(info.Name, "Entwürfe", "Entw&APw-rfe") + `"`
		u := c.ok("STATUS " + wire + " (MESSAGES UNSEEN SIZE)")
		exp := fmt.Sprintf("* STATUS %s (MESSAGES %d UNSEEN %d SIZE %d)", wire, info.Messages, info.Unseen, info.Bytes)
		if info.Name == "INBOX" {
			exp = strings.Replace(exp, `"INBOX"`, "INBOX", 1)
		}
		if len(u) != 1 || u[0] != exp {
			t.Errorf("STATUS %s: got %q, want %q", info.Name, u, exp)
		}
		total += info.Messages
	}
	if total < 110 || total > 120 {
		t.Errorf("seeded %d messages, asked for about 120", total)
	}
}

func TestLoginRefusesWrongPassword(t *testing.T) {
	s := start(t, Options{Messages: 10, User: "u", Password: "right"})
	c := dial(t, s.Addr())
	if _, st := c.cmd("LOGIN u wrong"); !strings.HasPrefix(st, "NO") {
		t.Fatalf("wrong password: %s", st)
	}
	u := c.ok("CAPABILITY")
	if len(u) != 1 || !strings.Contains(u[0], "IMAP4rev1") || strings.Contains(u[0], "LOGINDISABLED") {
		t.Fatalf("CAPABILITY %q", u)
	}
}

func TestSeedIsDeterministic(t *testing.T) {
	a := newGen(7)
	b := newGen(7)
	c := newGen(8)
	for i := range 20 {
		sp := spec{Mailbox: "INBOX", Index: i, Attachment: 1000 * (i % 3)}
		ma, da := a.message(sp)
		mb, db := b.message(sp)
		mc, _ := c.message(sp)
		if !bytes.Equal(ma, mb) || !da.Equal(db) {
			t.Fatalf("message %d differs between equal seeds", i)
		}
		if bytes.Equal(ma, mc) {
			t.Fatalf("message %d equal across different seeds", i)
		}
	}
	s1 := start(t, Options{Seed: 3, Messages: 60})
	s2 := start(t, Options{Seed: 3, Messages: 60})
	if !reflect.DeepEqual(s1.Seeded(), s2.Seeded()) {
		t.Fatalf("seeded %v vs %v", s1.Seeded(), s2.Seeded())
	}
}

func TestGeneratedMessagesAreWellFormed(t *testing.T) {
	g := newGen(1)
	encoded := 0
	for i := range 60 {
		msg, _ := g.message(spec{Mailbox: "INBOX", Index: i})
		if bytes.Contains(bytes.ReplaceAll(msg, []byte("\r\n"), nil), []byte("\n")) {
			t.Fatalf("message %d has a bare LF", i)
		}
		head, _, ok := bytes.Cut(msg, []byte("\r\n\r\n"))
		if !ok {
			t.Fatalf("message %d: no header/body separator", i)
		}
		for _, h := range []string{"From: ", "To: ", "Subject: ", "Date: ", "Message-ID: <"} {
			if !bytes.Contains(head, []byte("\r\n"+h)) && !bytes.HasPrefix(head, []byte(h)) {
				t.Errorf("message %d lacks %s", i, h)
			}
		}
		for _, b := range head {
			if b >= 0x80 {
				t.Fatalf("message %d: 8-bit byte in the header", i)
			}
		}
		if bytes.Contains(head, []byte("Subject: =?utf-8?")) {
			encoded++
		}
	}
	if encoded == 0 {
		t.Error("no RFC 2047 encoded subject among 60 messages")
	}
	big, _ := g.message(spec{Mailbox: "INBOX", Index: 1, Attachment: 300 << 10})
	if len(big) < 400<<10 || !bytes.Contains(big, []byte("Content-Transfer-Encoding: base64")) {
		t.Errorf("attachment message is %d bytes", len(big))
	}
}

func TestSeedHasLargeMessagesAndFlags(t *testing.T) {
	s := start(t, Options{Messages: 300})
	c := login(t, s)
	c.ok("EXAMINE INBOX")
	u := c.ok("FETCH 1:* (RFC822.SIZE FLAGS)")
	large, flagged, keyword := 0, 0, 0
	for _, l := range u {
		var size int
		if m := regexp.MustCompile(`RFC822\.SIZE (\d+)`).FindStringSubmatch(l); m != nil {
			fmt.Sscan(m[1], &size)
		}
		if size >= 100<<10 {
			large++
		}
		flagged += strings.Count(strings.ToLower(l), `\flagged`)
		keyword += strings.Count(strings.ToLower(l), `$forwarded`)
	}
	if large < 2 || flagged == 0 || keyword == 0 {
		t.Fatalf("INBOX: %d large, %d flagged, %d $Forwarded", large, flagged, keyword)
	}
}

func TestAppendSetFlagsDelete(t *testing.T) {
	ctx := context.Background()
	s := start(t, Options{Messages: 40})
	before := s.Seeded()[0] // INBOX
	uid, err := s.AppendMessage(ctx, "INBOX", s.NewMessage("Hello from round two"), nil, s.gen.base)
	if err != nil {
		t.Fatal(err)
	}
	if uid != uint32(before.Messages+1) {
		t.Fatalf("new UID %d, want %d", uid, before.Messages+1)
	}
	if err := s.SetFlags(ctx, "INBOX", uid, FlagsAdd, `\Seen`, `\Flagged`); err != nil {
		t.Fatal(err)
	}
	c := login(t, s)
	c.ok("SELECT INBOX")
	u := c.ok(fmt.Sprintf("UID FETCH %d (FLAGS)", uid))
	if len(u) != 1 || !strings.Contains(u[0], `\seen`) || !strings.Contains(u[0], `\flagged`) {
		t.Fatalf("flags after SetFlags: %q", u)
	}
	if err := s.SetFlags(ctx, "INBOX", uid, FlagsRemove, `\Flagged`); err != nil {
		t.Fatal(err)
	}
	if u = c.ok("NOOP"); len(u) != 1 || strings.Contains(u[0], `\flagged`) || !strings.Contains(u[0], "FETCH") {
		t.Fatalf("NOOP after -FLAGS: %q (want a FETCH update without \\flagged)", u)
	}
	if err := s.DeleteMessage(ctx, "INBOX", uid); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.Status("INBOX"); st.Messages != before.Messages {
		t.Fatalf("after delete: %d messages, want %d", st.Messages, before.Messages)
	}
	if err := s.SetFlags(ctx, "INBOX", uid, FlagsAdd, `\Seen`); err == nil {
		t.Fatal("SetFlags on an expunged UID: want error")
	}
	if _, err := s.AppendMessage(ctx, "Nope", []byte("x\r\n"), nil, s.gen.base); err == nil {
		t.Fatal("append to a missing mailbox: want error")
	}
}

func TestCancelStopsServer(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Start(ctx, Options{Messages: 5})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	<-s.Done()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestSeededUIDsAndValidity(t *testing.T) {
	s := start(t, Options{Messages: 50})
	c := login(t, s)
	for i, info := range s.Seeded() {
		if info.Name == "Entwürfe" {
			continue // needs modified UTF-7 on the wire; covered by TestListAndStatusMatchSeed
		}
		u := c.ok(`STATUS "` + info.Name + `" (UIDNEXT UIDVALIDITY)`)
		want := fmt.Sprintf("(UIDNEXT %d UIDVALIDITY %d)", info.Messages+1, i+1)
		if len(u) != 1 || !strings.HasSuffix(u[0], want) {
			t.Errorf("%s: %q, want suffix %q", info.Name, u, want)
		}
	}
}
