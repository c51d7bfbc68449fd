package e2etest

import (
	"strings"
	"testing"

	"github.com/imapdir/imapdir/internal/testenv"
)

// TestKeywordsBetweenServers: a keyword added on one Dovecot user reaches
// the other. (imapstore once learned Features.Keywords from an EXAMINE,
// which Dovecot answers with "PERMANENTFLAGS ()" — RFC 9051 §7.1 — so no
// keyword ever reached a Dovecot store; it now asks a read-write SELECT.)
func TestKeywordsBetweenServers(t *testing.T) {
	r := newIMAPRig(t, testenv.KindDovecot)
	srv, a, b := r.srv, r.user.Name, r.nearUser.Name
	if !r.far.Features().Keywords || !r.near.Features().Keywords {
		t.Errorf("Dovecot keeps keywords (PERMANENTFLAGS \\* after SELECT), store features say far %v, near %v",
			r.far.Features().Keywords, r.near.Features().Keywords)
	}
	msgs := seedMailbox(t, srv, a, "INBOX", newGen("bugkw", 6), 10, 0)
	r.sync()
	addFlags(t, srv, a, "INBOX", `$Forwarded todo`, msgs[3].uid)
	r.sync()
	got := strings.Join(srv.MessageFlags(t, b, "INBOX", uidByID(t, r, b, "INBOX", msgs[3].id)), " ")
	if !strings.Contains(got, "$Forwarded") || !strings.Contains(got, "todo") {
		t.Errorf("keywords added on A: B has [%s], want $Forwarded and todo", got)
	}
}

// TestKeywordToServer: a keyword set in the Maildir (a dovecot-keywords
// letter, as mutt or Dovecot's LDA write it) reaches the server.
func TestKeywordToServer(t *testing.T) {
	r := newMaildirRig(t)
	msgs := seedMailbox(t, r.srv, r.user.Name, "INBOX", newGen("bugkw2", 7), 10, 0)
	r.sync()
	f := localFolder(t, r.root, "INBOX")
	kw, err := f.ReadKeywords()
	if err != nil {
		t.Fatal(err)
	}
	c, err := kw.Add("todo")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.WriteKeywords(kw); err != nil {
		t.Fatal(err)
	}
	setLocalFlags(t, f, localByID(t, f)[msgs[1].id], string(c), "")
	r.sync()
	got := strings.Join(r.srv.MessageFlags(t, r.user.Name, "INBOX", msgs[1].uid), " ")
	if !strings.Contains(got, "todo") {
		t.Errorf("keyword set in the Maildir: the server has [%s], want todo", got)
	}
	requireSame(t, serverTruth(t, r.srv, r.user.Name), maildirTruth(t, r.root), "server", "Maildir")
}
