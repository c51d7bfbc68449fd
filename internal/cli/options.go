package cli

import (
	"fmt"
	"time"

	"github.com/imapdir/imapdir/internal/config"
	"github.com/imapdir/imapdir/syncer"
)

// engineOptions turns an account's configuration and the global flags into
// the engine's options.
func engineOptions(acct *config.Account, f globalFlags, now func() time.Time) (syncer.Options, error) {
	o := syncer.DefaultOptions()
	o.Account = acct.Name
	o.Sync = syncer.Direction{Pull: what(acct.Sync.Pull), Push: what(acct.Sync.Push)}
	exp, err := syncer.ParseExpunge(string(acct.Expunge))
	if err != nil {
		return o, fmt.Errorf("expunge: %w", err)
	}
	o.Expunge = exp
	o.MaxSize = acct.MaxSize
	o.MaxAge = maxAge(acct, now())
	o.DeleteGuardPercent = acct.DeleteGuardPercent
	o.DeleteGuardCount = acct.DeleteGuardCount
	o.Force = f.force
	folders := acct.Folders
	o.Match = func(name string) bool { return config.Match(folders, name) }
	o.Create = [2]bool{syncer.Far: acct.Create.Far(), syncer.Near: acct.Create.Near()}
	o.DeleteEmpty = acct.Remove != config.SidesNone
	if acct.Connections > 0 {
		o.Connections = acct.Connections
	}
	o.DryRun = f.dryRun
	o.Now = now
	return o, nil
}

// what converts one direction's switches.
func what(c config.Changes) syncer.What {
	var w syncer.What
	if c.New {
		w |= syncer.SyncNew
	}
	if c.Flags {
		w |= syncer.SyncFlags
	}
	if c.Delete {
		w |= syncer.SyncGone
	}
	return w
}

// maxAge is the account's age limit; a start_date becomes the age it has
// at now.
func maxAge(acct *config.Account, now time.Time) time.Duration {
	if !acct.StartDate.IsZero() {
		if d := now.Sub(acct.StartDate); d > 0 {
			return d
		}
		return time.Nanosecond // a start date in the future admits nothing new
	}
	return acct.MaxAge
}
