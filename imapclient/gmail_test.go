package imapclient_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/internal/gmailsim"
)

// TestGmailLabelsBothEncodings stores and reads labels through the Gmail
// double, with names in modified UTF-7 and, after ENABLE UTF8=ACCEPT, in
// UTF-8: the caller sees the same UTF-8 labels either way.
func TestGmailLabelsBothEncodings(t *testing.T) {
	for _, utf8 := range []bool{false, true} {
		s, err := gmailsim.Start(gmailsim.Options{AppPassword: "app-pw"})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		id := s.Add(gmailsim.Message{Body: []byte("Subject: x\n\nx\n"), Labels: []string{`\Inbox`}})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		c, err := imapclient.Dial(ctx, s.Addr(), &imapclient.Options{InsecurePlaintext: true})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if !c.IsGmail() {
			t.Fatal("X-GM-EXT-1 not detected before login")
		}
		if err := c.Login(ctx, "user@gmail.com", imapclient.SecretString("app-pw")); err != nil {
			t.Fatal(err)
		}
		if utf8 {
			if _, err := c.Enable(ctx, imap.CapUTF8Accept); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := c.Select(ctx, "INBOX", nil); err != nil {
			t.Fatal(err)
		}
		want := []string{"R&D", "Économie/Été", `\Important`}
		if _, err := c.UIDStoreLabels(ctx, imap.UIDSetOf(1), imapclient.LabelsAdd, want, &imapclient.StoreOptions{Silent: true}); err != nil {
			t.Fatalf("utf8=%v: %v", utf8, err)
		}
		got := s.Labels(id)
		for _, l := range want {
			if !slices.Contains(got, l) {
				t.Errorf("utf8=%v: server labels %q lack %q", utf8, got, l)
			}
		}
		res, err := c.UIDFetch(ctx, imap.UIDSetOf(1), imapclient.GmailItems, nil)
		if err != nil || len(res.Messages) != 1 {
			t.Fatalf("utf8=%v: fetch %v", utf8, err)
		}
		fd := res.Messages[0]
		for _, l := range want {
			if !slices.Contains(fd.GmailLabels, l) {
				t.Errorf("utf8=%v: fetched labels %q lack %q", utf8, fd.GmailLabels, l)
			}
		}
		if fd.GmailMsgID != id || fd.GmailThreadID == 0 {
			t.Errorf("utf8=%v: ids %d %d", utf8, fd.GmailMsgID, fd.GmailThreadID)
		}
		found, err := c.UIDSearchGmailLabel(ctx, "Économie/Été")
		if err != nil || found.UIDs.String() != "1" {
			t.Errorf("utf8=%v: search by label: %v %v", utf8, found, err)
		}
	}
}

// TestAuthRefreshOnRefusal: a token the server refuses is dropped through
// Credentials.Refresh and the login tried once more with the next one;
// without Refresh, or when the next one is refused too, Auth fails with
// AUTHENTICATIONFAILED.
func TestAuthRefreshOnRefusal(t *testing.T) {
	s, err := gmailsim.Start(gmailsim.Options{ValidToken: func(_, tok string) bool { return tok == "fresh" }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, tc := range []struct {
		name     string
		refresh  bool
		next     string
		ok       bool
		refreshs int
	}{
		{"refreshed", true, "fresh", true, 1},
		{"no hook", false, "fresh", false, 0},
		{"refused again", true, "stale", false, 1},
	} {
		tok, refreshes := "stale", 0
		cr := imapclient.Credentials{Username: "user@gmail.com", Mechanism: "XOAUTH2",
			Secret: imapclient.SecretFunc(func(context.Context) (string, error) { return tok, nil })}
		if tc.refresh {
			cr.Refresh = func() { refreshes++; tok = tc.next }
		}
		c, err := imapclient.Dial(ctx, s.Addr(), &imapclient.Options{InsecurePlaintext: true})
		if err != nil {
			t.Fatal(err)
		}
		err = c.Auth(ctx, cr)
		c.Close()
		if (err == nil) != tc.ok || refreshes != tc.refreshs {
			t.Errorf("%s: err %v, %d refreshes", tc.name, err, refreshes)
		}
		if !tc.ok && !imap.HasCode(err, imap.CodeAuthenticationFailed) {
			t.Errorf("%s: %v lacks AUTHENTICATIONFAILED", tc.name, err)
		}
	}
}
