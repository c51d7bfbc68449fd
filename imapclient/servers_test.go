package imapclient

import (
	"context"
	"testing"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/testenv"
)

// TestOtherServersIdle: over implicit TLS, Cyrus and Courier log in and,
// while one connection idles, report another's append, flag change and
// expunge as unilateral data (what `imapdir watch` waits for).
func TestOtherServersIdle(t *testing.T) {
	for _, kind := range []testenv.Kind{testenv.KindCyrus, testenv.KindCourier} {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			srv := testenv.Shared(t, kind)
			u := srv.NewUser(t)
			uid1 := imap.UID(srv.SaveMessage(t, u.Name, "INBOX", testMessage(1)))
			p := newIdlePair(t, srv, u, false)
			idleCtx, stopIdle := context.WithCancel(testCtx(t))
			idleErr := make(chan error, 1)
			go func() { idleErr <- p.a.Idle(idleCtx) }()
			waitFor(t, p.tr.when("S: +", 1), "IDLE continuation")
			p.appendAndSeeExists(t)
			p.flagAndSeeFetch(t, uid1)
			p.expungeAndSee(t, uid1, false)
			stopIdle()
			if err := <-idleErr; err != nil {
				t.Errorf("Idle: %v", err)
			}
		})
	}
}
