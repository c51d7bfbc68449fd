package cli

import (
	"testing"
	"time"

	"github.com/imapdir/imapdir/internal/config"
	"github.com/imapdir/imapdir/syncer"
)

// mbsync-style overrides on the command line restrict one run, whatever
// the configuration says.
func TestSyncOverridesDirection(t *testing.T) {
	w := newWorld(t)
	w.seed("INBOX", 3)
	body := []byte("Message-ID: <local@example.com>\r\nSubject: local\r\n\r\nlocal\r\n")
	if _, err := w.near.Seed("INBOX", body, nil, fixedNow.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := w.run("sync", "--push"); code != ExitOK {
		t.Fatalf("sync --push: exit %d\n%s%s", code, out, errOut)
	}
	if far, near := messageCounts(w.far)["INBOX"], messageCounts(w.near)["INBOX"]; far != 4 || near != 1 {
		t.Errorf("after sync --push: far %d, near %d; want 4 and 1 (nothing pulled)", far, near)
	}
	if code, out, errOut := w.run("sync", "--pull", "--new"); code != ExitOK {
		t.Fatalf("sync --pull --new: exit %d\n%s%s", code, out, errOut)
	}
	if near := messageCounts(w.near)["INBOX"]; near != 4 {
		t.Errorf("after sync --pull --new the near INBOX holds %d, want 4", near)
	}
}

func TestOverridesMapToEngineOptions(t *testing.T) {
	acct := &config.Account{Name: "work", Expunge: config.SidesBoth, Create: config.SidesNone,
		Sync: config.SyncOps{Pull: config.Changes{New: true, Flags: true, Delete: true}, Push: config.Changes{New: true, Flags: true, Delete: true}}}
	cases := []struct {
		o    overrides
		want func(syncer.Options) bool
	}{
		{overrides{pull: true}, func(o syncer.Options) bool { return o.Sync.Pull == syncer.SyncAll && o.Sync.Push == 0 }},
		{overrides{flags: true}, func(o syncer.Options) bool { return o.Sync.Pull == syncer.SyncFlags && o.Sync.Push == syncer.SyncFlags }},
		{overrides{push: true, delete: true}, func(o syncer.Options) bool { return o.Sync.Pull == 0 && o.Sync.Push == syncer.SyncGone }},
		{overrides{noExpunge: true}, func(o syncer.Options) bool { return o.Expunge == syncer.ExpungeNone }},
		{overrides{create: true}, func(o syncer.Options) bool { return o.Create == [2]bool{true, true} }},
		{overrides{full: true}, func(o syncer.Options) bool { return o.Full }},
		{overrides{}, func(o syncer.Options) bool {
			return o.Sync.Pull == syncer.SyncAll && o.Expunge == syncer.ExpungeBoth && o.Create == [2]bool{} && !o.Full
		}},
	}
	for _, c := range cases {
		a := *acct
		c.o.apply(&a)
		o, err := engineOptions(&a, globalFlags{full: c.o.full}, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		if !c.want(o) {
			t.Errorf("%+v: engine options %+v", c.o, o)
		}
	}
}
