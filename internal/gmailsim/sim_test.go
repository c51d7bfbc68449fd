package gmailsim_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/internal/gmailsim"
)

const appPassword = "abcd efgh ijkl mnop"

func start(t *testing.T, opts gmailsim.Options) *gmailsim.Server {
	t.Helper()
	if opts.AppPassword == "" {
		opts.AppPassword = appPassword
	}
	s, err := gmailsim.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func dial(t *testing.T, s *gmailsim.Server, handler func(imapclient.Event)) *imapclient.Client {
	t.Helper()
	c, err := imapclient.Dial(ctxT(t), s.Addr(), &imapclient.Options{InsecurePlaintext: true, Handler: handler})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func login(t *testing.T, s *gmailsim.Server) *imapclient.Client {
	t.Helper()
	c := dial(t, s, nil)
	if err := c.Login(ctxT(t), "user@gmail.com", imapclient.SecretString(appPassword)); err != nil {
		t.Fatal(err)
	}
	return c
}

func msg(subject string) []byte {
	return []byte("From: a@example.com\nTo: user@gmail.com\nSubject: " + subject +
		"\nMessage-ID: <" + strings.ReplaceAll(subject, " ", ".") + "@example.com>\n\nHello " + subject + "\n")
}

func must[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func fetchAll(t *testing.T, c *imapclient.Client, items ...string) []*imap.FetchData {
	t.Helper()
	res, err := c.UIDFetch(ctxT(t), imap.UIDRangeSet(1, 0), imapclient.Items(items...), nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.Messages
}

func TestCapabilities(t *testing.T) {
	s := start(t, gmailsim.Options{})
	c := dial(t, s, nil)
	pre := c.Caps()
	for _, want := range []string{"X-GM-EXT-1", "AUTH=XOAUTH2", "AUTH=OAUTHBEARER", "SASL-IR", "ID", "IDLE"} {
		if !pre.Has(imap.Cap(want)) {
			t.Errorf("before login: no %s in %s", want, pre)
		}
	}
	if err := c.Login(ctxT(t), "user@gmail.com", imapclient.SecretString(appPassword)); err != nil {
		t.Fatal(err)
	}
	post := c.Caps()
	for _, want := range strings.Fields("IMAP4rev1 UNSELECT IDLE NAMESPACE QUOTA ID XLIST CHILDREN X-GM-EXT-1 UIDPLUS COMPRESS=DEFLATE ENABLE MOVE CONDSTORE ESEARCH UTF8=ACCEPT LIST-EXTENDED LIST-STATUS LITERAL- SPECIAL-USE") {
		if !post.Has(imap.Cap(want)) {
			t.Errorf("after login: no %s in %s", want, post)
		}
	}
	if post.Has(imap.CapQResync) {
		t.Error("QRESYNC advertised; Gmail has none")
	}
	if !c.IsGmail() {
		t.Error("IsGmail false")
	}
	id := must[map[string]string](t)(c.ID(ctxT(t), map[string]string{"name": "imapdir"}))
	if id["name"] != "GImap" {
		t.Errorf("ID = %v", id)
	}
}

// TestLabelsAreViews: one message with three labels is one message (one
// X-GM-MSGID) in three folders and All Mail; labels come decoded.
func TestLabelsAreViews(t *testing.T) {
	s := start(t, gmailsim.Options{})
	id := s.Add(gmailsim.Message{Body: msg("one"), Labels: []string{`\Inbox`, "Work", "Économie"}, Flags: []string{`\Seen`}})
	s.Add(gmailsim.Message{Body: msg("two"), Labels: []string{"Work"}})
	c := login(t, s)
	list := must[*imapclient.ListResult](t)(c.List(ctxT(t), "", "*", &imapclient.ListOptions{SpecialUse: true}))
	uses := map[imap.MailboxAttr]string{}
	var names []string
	for _, m := range list.Mailboxes {
		names = append(names, m.Name)
		if u := m.SpecialUse(); u != "" {
			uses[u] = m.Name
		}
	}
	for _, want := range []string{"INBOX", "Work", "Économie", "[Gmail]/All Mail"} {
		if !slices.Contains(names, want) {
			t.Errorf("LIST lacks %q: %q", want, names)
		}
	}
	if uses[imap.AttrAll] != "[Gmail]/All Mail" || uses[imap.AttrTrash] != "[Gmail]/Trash" || uses[imap.AttrSent] != "[Gmail]/Sent Mail" {
		t.Errorf("special use: %v", uses)
	}
	for _, box := range []string{"INBOX", "Work", "Économie", "[Gmail]/All Mail"} {
		must[*imap.SelectData](t)(c.Select(ctxT(t), box, nil))
		var found []*imap.FetchData
		for _, m := range fetchAll(t, c, "UID", "FLAGS", "X-GM-MSGID", "X-GM-THRID", "X-GM-LABELS", "BODY.PEEK[]") {
			if m.GmailMsgID == id {
				found = append(found, m)
			}
		}
		if len(found) != 1 {
			t.Fatalf("%s: message %d found %d times", box, id, len(found))
		}
		f := found[0]
		slices.Sort(f.GmailLabels)
		if !slices.Equal(f.GmailLabels, []string{"Work", `\Inbox`, "Économie"}) || f.GmailThreadID != id || !f.HasGmailLabels {
			t.Errorf("%s: labels %q thread %d", box, f.GmailLabels, f.GmailThreadID)
		}
	}
	if n := s.Downloads(id); n != 4 {
		t.Errorf("one message fetched in 4 folders: Downloads = %d", n)
	}
}

// TestLocalizedNames: the special folders keep their attributes under
// another name, so that clients must find All Mail by \All.
func TestLocalizedNames(t *testing.T) {
	s := start(t, gmailsim.Options{Names: map[string]string{`\All`: "[Google Mail]/Alle Nachrichten", `\Trash`: "[Google Mail]/Papierkorb"}})
	c := login(t, s)
	list := must[*imapclient.ListResult](t)(c.List(ctxT(t), "", "*", nil))
	got := map[imap.MailboxAttr]string{}
	for _, m := range list.Mailboxes {
		got[m.SpecialUse()] = m.Name
	}
	if got[imap.AttrAll] != "[Google Mail]/Alle Nachrichten" || got[imap.AttrTrash] != "[Google Mail]/Papierkorb" {
		t.Errorf("localized: %v", got)
	}
}

// TestStoreLabels: +X-GM-LABELS puts a message in a new label's folder,
// -X-GM-LABELS \Inbox takes it out of INBOX (an EXPUNGE there), and the
// web interface's changes show through.
func TestStoreLabels(t *testing.T) {
	s := start(t, gmailsim.Options{})
	id := s.Add(gmailsim.Message{Body: msg("one"), Labels: []string{`\Inbox`}})
	c := login(t, s)
	must[*imap.SelectData](t)(c.Select(ctxT(t), "[Gmail]/All Mail", nil))
	res := must[*imapclient.StoreResult](t)(c.UIDStoreLabels(ctxT(t), imap.UIDSetOf(1), imapclient.LabelsAdd, []string{"Projets/été", "Work"}, nil))
	if len(res.Fetched) != 1 || !slices.Contains(res.Fetched[0].GmailLabels, "Projets/été") {
		t.Fatalf("STORE echo: %+v", res.Fetched)
	}
	must[*imapclient.StoreResult](t)(c.UIDStoreLabels(ctxT(t), imap.UIDSetOf(1), imapclient.LabelsRemove, []string{`\Inbox`}, &imapclient.StoreOptions{Silent: true}))
	if got := s.Labels(id); !slices.Equal(got, []string{"Projets/été", "Work"}) {
		t.Errorf("labels = %q", got)
	}
	st := must[*imap.StatusData](t)(c.Status(ctxT(t), "INBOX", "MESSAGES"))
	if st.Messages != 0 {
		t.Errorf("INBOX still has %d", st.Messages)
	}
	st = must[*imap.StatusData](t)(c.Status(ctxT(t), "Projets/été", "MESSAGES"))
	if st.Messages != 1 {
		t.Errorf("Projets/été has %d", st.Messages)
	}
	s.SetLabels(id, []string{"Later"}, []string{"Work"})
	got := fetchAll(t, c, "X-GM-LABELS")
	if len(got) != 1 || !slices.Equal(got[0].GmailLabels, []string{"Later", "Projets/été"}) {
		t.Errorf("after web change: %+v", got)
	}
}

func TestStarredIsFlagged(t *testing.T) {
	s := start(t, gmailsim.Options{})
	id := s.Add(gmailsim.Message{Body: msg("one"), Labels: []string{`\Inbox`}})
	c := login(t, s)
	must[*imap.SelectData](t)(c.Select(ctxT(t), "INBOX", nil))
	must[*imapclient.StoreResult](t)(c.UIDStore(ctxT(t), imap.UIDSetOf(1), imapclient.StoreAdd, []imap.Flag{`\Flagged`}, nil))
	if !slices.Contains(s.Labels(id), `\Starred`) {
		t.Errorf("\\Flagged did not star: %q", s.Labels(id))
	}
	st := must[*imap.StatusData](t)(c.Status(ctxT(t), "[Gmail]/Starred", "MESSAGES"))
	if st.Messages != 1 {
		t.Errorf("Starred has %d", st.Messages)
	}
	must[*imapclient.StoreResult](t)(c.UIDStoreLabels(ctxT(t), imap.UIDSetOf(1), imapclient.LabelsRemove, []string{`\Starred`}, nil))
	f := fetchAll(t, c, "FLAGS")
	if len(f) != 1 || slices.Contains(f[0].Flags, `\Flagged`) {
		t.Errorf("unstarred but flags %v", f[0].Flags)
	}
}

func TestSearch(t *testing.T) {
	s := start(t, gmailsim.Options{})
	a := s.Add(gmailsim.Message{Body: msg("alpha report"), Labels: []string{"Work"}, Flags: []string{`\Flagged`}})
	s.Add(gmailsim.Message{Body: msg("beta"), Labels: []string{"Économie"}, Flags: []string{`\Seen`}})
	c := login(t, s)
	must[*imap.SelectData](t)(c.Select(ctxT(t), "[Gmail]/All Mail", nil))
	cases := []struct {
		name string
		run  func() (*imap.SearchData, error)
		want string
	}{
		{"raw label", func() (*imap.SearchData, error) { return c.UIDSearchGmail(ctxT(t), "label:Work") }, "1"},
		{"raw starred", func() (*imap.SearchData, error) { return c.UIDSearchGmail(ctxT(t), "is:starred alpha") }, "1"},
		{"raw negation", func() (*imap.SearchData, error) { return c.UIDSearchGmail(ctxT(t), "-label:Work") }, "2"},
		{"raw unicode", func() (*imap.SearchData, error) { return c.UIDSearchGmail(ctxT(t), "label:Économie") }, "2"},
		{"msgid", func() (*imap.SearchData, error) { return c.UIDSearchGmailMsgID(ctxT(t), a) }, "1"},
		{"labels", func() (*imap.SearchData, error) { return c.UIDSearchGmailLabel(ctxT(t), "Économie") }, "2"},
		{"unseen", func() (*imap.SearchData, error) { return c.UIDSearch(ctxT(t), imap.Atom("UNSEEN")) }, "1"},
	}
	for _, tc := range cases {
		d, err := tc.run()
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if d.UIDs.String() != tc.want {
			t.Errorf("%s: UIDs %s, want %s", tc.name, d.UIDs, tc.want)
		}
	}
}

// TestDeletion: Gmail's default settings: \Deleted in a label folder
// removes the label; in All Mail it moves the message to Trash; in Trash
// it deletes the message for good.
func TestDeletion(t *testing.T) {
	s := start(t, gmailsim.Options{})
	id := s.Add(gmailsim.Message{Body: msg("one"), Labels: []string{`\Inbox`, "Work"}})
	c := login(t, s)
	must[*imap.SelectData](t)(c.Select(ctxT(t), "Work", nil))
	must[*imapclient.StoreResult](t)(c.UIDStore(ctxT(t), imap.UIDSetOf(1), imapclient.StoreAdd, []imap.Flag{`\Deleted`}, &imapclient.StoreOptions{Silent: true}))
	if got := s.Labels(id); !slices.Equal(got, []string{`\Inbox`}) {
		t.Fatalf("after delete in Work: %q", got)
	}
	must[*imap.SelectData](t)(c.Select(ctxT(t), "[Gmail]/All Mail", nil))
	must[*imapclient.StoreResult](t)(c.UIDStore(ctxT(t), imap.UIDSetOf(1), imapclient.StoreAdd, []imap.Flag{`\Deleted`}, nil))
	if got := s.Labels(id); !slices.Contains(got, `\Trash`) {
		t.Fatalf("after delete in All Mail: %q", got)
	}
	if n := must[*imap.StatusData](t)(c.Status(ctxT(t), "INBOX", "MESSAGES")).Messages; n != 0 {
		t.Errorf("INBOX shows a trashed message (%d)", n)
	}
	sel := must[*imap.SelectData](t)(c.Select(ctxT(t), "[Gmail]/Trash", nil))
	if sel.Exists != 1 {
		t.Fatalf("Trash has %d", sel.Exists)
	}
	must[*imapclient.StoreResult](t)(c.Store(ctxT(t), imap.SeqSetOf(1), imapclient.StoreAdd, []imap.Flag{`\Deleted`}, nil))
	must[*imapclient.ExpungeResult](t)(c.Expunge(ctxT(t)))
	if s.Exists(id) {
		t.Error("expunged from Trash but still exists")
	}
}

// TestNoAutoExpunge: with auto-expunge off, \Deleted waits for EXPUNGE.
func TestNoAutoExpunge(t *testing.T) {
	s := start(t, gmailsim.Options{NoAutoExpunge: true})
	id := s.Add(gmailsim.Message{Body: msg("one"), Labels: []string{`\Inbox`}})
	c := login(t, s)
	must[*imap.SelectData](t)(c.Select(ctxT(t), "INBOX", nil))
	must[*imapclient.StoreResult](t)(c.UIDStore(ctxT(t), imap.UIDSetOf(1), imapclient.StoreAdd, []imap.Flag{`\Deleted`}, nil))
	if !slices.Contains(s.Labels(id), `\Inbox`) {
		t.Fatal("removed before EXPUNGE")
	}
	res := must[*imapclient.ExpungeResult](t)(c.UIDExpunge(ctxT(t), imap.UIDSetOf(1)))
	if slices.Contains(s.Labels(id), `\Inbox`) {
		t.Errorf("still in INBOX after UID EXPUNGE: %+v", res)
	}
}

func TestCopyMoveAppend(t *testing.T) {
	s := start(t, gmailsim.Options{})
	c := login(t, s)
	for _, box := range []string{"Work", "Later"} {
		if err := c.Create(ctxT(t), box); err != nil {
			t.Fatal(err)
		}
	}
	body := crlfBody(msg("appended"))
	app := must[imap.AppendUIDData](t)(c.Append(ctxT(t), "Work", imapclient.AppendMessage{Size: int64(len(body)), Body: strings.NewReader(body)}))
	if app.UIDs.String() != "1" || app.UIDValidity == 0 {
		t.Errorf("APPENDUID %+v", app)
	}
	must[*imap.SelectData](t)(c.Select(ctxT(t), "Work", nil))
	ids := fetchAll(t, c, "X-GM-MSGID")
	if len(ids) != 1 {
		t.Fatalf("Work has %d", len(ids))
	}
	id := ids[0].GmailMsgID
	must[*imap.CopyUIDData](t)(c.UIDCopy(ctxT(t), imap.UIDSetOf(1), "INBOX"))
	must[*imap.CopyUIDData](t)(c.UIDMove(ctxT(t), imap.UIDSetOf(1), "Later"))
	if got := s.Labels(id); !slices.Equal(got, []string{"Later", `\Inbox`}) {
		t.Errorf("after COPY to INBOX and MOVE to Later: %q", got)
	}
	if st := s.Stats(); st.Appends != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestCondStore(t *testing.T) {
	s := start(t, gmailsim.Options{})
	s.Add(gmailsim.Message{Body: msg("one"), Labels: []string{`\Inbox`}})
	s.Add(gmailsim.Message{Body: msg("two"), Labels: []string{`\Inbox`}})
	c := login(t, s)
	sel := must[*imap.SelectData](t)(c.Select(ctxT(t), "INBOX", &imapclient.SelectOptions{CondStore: true}))
	if sel.HighestModSeq == 0 {
		t.Fatal("no HIGHESTMODSEQ")
	}
	must[*imapclient.StoreResult](t)(c.UIDStoreLabels(ctxT(t), imap.UIDSetOf(2), imapclient.LabelsAdd, []string{"Work"}, nil))
	res := must[*imapclient.FetchResult](t)(c.UIDFetch(ctxT(t), imap.UIDRangeSet(1, 0), imapclient.Items("FLAGS", "X-GM-LABELS"), &imapclient.FetchOptions{ChangedSince: sel.HighestModSeq}))
	if len(res.Messages) != 1 || res.Messages[0].UID != 2 || res.Messages[0].ModSeq <= sel.HighestModSeq {
		t.Errorf("CHANGEDSINCE: %+v", res.Messages)
	}
	st := must[*imapclient.StoreResult](t)(c.UIDStore(ctxT(t), imap.UIDSetOf(1, 2), imapclient.StoreAdd, []imap.Flag{`\Seen`}, &imapclient.StoreOptions{UnchangedSince: sel.HighestModSeq}))
	if st.Modified.String() != "2" {
		t.Errorf("MODIFIED %s", st.Modified)
	}
}

// TestConnectionLimit: the 16th simultaneous login is refused with an
// ALERT; once one connection logs out, a new one gets in.
func TestConnectionLimit(t *testing.T) {
	s := start(t, gmailsim.Options{})
	var cs []*imapclient.Client
	for range gmailsim.MaxConnections {
		cs = append(cs, login(t, s))
	}
	c := dial(t, s, nil)
	err := c.Login(ctxT(t), "user@gmail.com", imapclient.SecretString(appPassword))
	var ie *imap.Error
	if !errors.As(err, &ie) || ie.Code != imap.CodeAlert || !strings.Contains(ie.Text, "Too many simultaneous connections") {
		t.Fatalf("16th login: %v", err)
	}
	if err := cs[0].Logout(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	login(t, s)
}

func TestOAuth(t *testing.T) {
	s := start(t, gmailsim.Options{ValidToken: func(user, token string) bool { return token == "ya29.good" }})
	for _, mech := range []string{"XOAUTH2", "OAUTHBEARER"} {
		for _, tok := range []string{"ya29.good", "ya29.bad"} {
			c := dial(t, s, nil)
			err := c.Auth(ctxT(t), imapclient.Credentials{Username: "user@gmail.com", Mechanism: mech, Secret: imapclient.SecretString(tok)})
			var ie *imap.Error
			switch {
			case tok == "ya29.good" && err != nil:
				t.Errorf("%s good token: %v", mech, err)
			case tok == "ya29.bad" && (!errors.As(err, &ie) || ie.Code != imap.CodeAuthenticationFailed):
				t.Errorf("%s bad token: %v", mech, err)
			}
			c.Close()
		}
	}
}

// TestIdlePush: a session idling in INBOX hears of a new message and of a
// label removal done elsewhere.
func TestIdlePush(t *testing.T) {
	s := start(t, gmailsim.Options{})
	events := make(chan imapclient.Event, 16)
	c := dial(t, s, func(ev imapclient.Event) { events <- ev })
	if err := c.Login(ctxT(t), "user@gmail.com", imapclient.SecretString(appPassword)); err != nil {
		t.Fatal(err)
	}
	must[*imap.SelectData](t)(c.Select(ctxT(t), "INBOX", nil))
	ctx, cancel := context.WithCancel(ctxT(t))
	idled := make(chan error, 1)
	go func() { idled <- c.Idle(ctx) }()
	id := s.Add(gmailsim.Message{Body: msg("pushed"), Labels: []string{`\Inbox`}})
	waitEvent(t, events, imapclient.EventExists)
	s.SetLabels(id, nil, []string{`\Inbox`})
	waitEvent(t, events, imapclient.EventExpunge)
	cancel()
	<-idled
}

func waitEvent(t *testing.T, ch <-chan imapclient.Event, kind imapclient.EventKind) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-ch:
			if ev.Kind == kind {
				return
			}
		case <-timeout:
			t.Fatalf("no %s event", kind)
		}
	}
}

func TestCompress(t *testing.T) {
	s := start(t, gmailsim.Options{})
	s.Add(gmailsim.Message{Body: msg("compressed"), Labels: []string{`\Inbox`}})
	c := login(t, s)
	if err := c.Compress(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	must[*imap.SelectData](t)(c.Select(ctxT(t), "INBOX", nil))
	got := fetchAll(t, c, "BODY.PEEK[]")
	if len(got) != 1 {
		t.Fatalf("got %d", len(got))
	}
	if text, _ := got[0].Section("BODY[]").Text(); !strings.Contains(text, "Hello compressed") {
		t.Errorf("body %q", text)
	}
	if st := s.Stats(); st.BodyFetches != 1 || st.BodyBytes != int64(len(crlfBody(msg("compressed")))) {
		t.Errorf("stats %+v", st)
	}
}

func crlfBody(b []byte) string { return strings.ReplaceAll(string(b), "\n", "\r\n") }

// TestRenameLabel: RENAME renames the label on every message, sub-labels
// included, and the folders keep their messages.
func TestRenameLabel(t *testing.T) {
	s := start(t, gmailsim.Options{})
	a := s.Add(gmailsim.Message{Body: msg("one"), Labels: []string{"Work"}})
	b := s.Add(gmailsim.Message{Body: msg("two"), Labels: []string{"Work/Old"}})
	c := login(t, s)
	if err := c.Rename(ctxT(t), "Work", "Projets"); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Labels(a), []string{"Projets"}) || !slices.Equal(s.Labels(b), []string{"Projets/Old"}) {
		t.Errorf("labels %q %q", s.Labels(a), s.Labels(b))
	}
	if n := must[*imap.StatusData](t)(c.Status(ctxT(t), "Projets/Old", "MESSAGES")).Messages; n != 1 {
		t.Errorf("Projets/Old has %d", n)
	}
	if err := c.Rename(ctxT(t), "[Gmail]/All Mail", "Everything"); err == nil {
		t.Error("renamed All Mail")
	}
}
