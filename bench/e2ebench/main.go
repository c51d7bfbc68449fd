// Command e2ebench serves and syncs the data of bench/compare.sh, which
// runs imapdir's engine and mbsync side by side on the same Dovecot.
//
//	e2ebench serve -env FILE [-n N] [-resync-n M] [-users U1,U2] [-folders K]
//	e2ebench sync -port P -ca FILE -user USER -maildir DIR [-compress]
//	e2ebench mutate -port P -user USER [-flags-per-mille F] [-expunge-per-mille E] [-new K] [-round R]
//	e2ebench touch -dir MAILDIR_FOLDER [-flags-per-mille F] [-delete K] [-round R]
//
// serve starts a private Dovecot (internal/testenv) on 127.0.0.1, seeds
// user "big" with N messages of about 22 KB and user "many" with M
// messages of about 2 KB (70 % \Seen), writes the connection details as
// shell variables to FILE once ready, and stops Dovecot when its standard
// input closes or on SIGINT/SIGTERM.
//
// sync runs one synchronization of USER's mailboxes into the Maildir DIR
// the way `imapdir sync` does (implicit TLS verified against the test CA,
// imapstore, the engine with its default options, maildirstore with
// fsync, the state database and account lock in DIR) and prints a
// one-line summary.
//
// mutate changes a user's INBOX over IMAP (toggles \Flagged, expunges,
// appends), touch a Maildir folder as a mail reader would (toggles F,
// deletes files): the same changes for each tool compared.
package main

import (
	"context"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	ctx := context.Background()
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(ctx, os.Args[2:])
	case "sync":
		err = syncCmd(ctx, os.Args[2:])
	case "mutate":
		err = mutateCmd(ctx, os.Args[2:])
	case "touch":
		err = touchCmd(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2ebench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: e2ebench serve -env FILE [-n N] [-resync-n M] [-users U1,U2] [-folders K]\n"+
		"       e2ebench sync -port P -ca FILE -user USER -maildir DIR [-compress]\n"+
		"       e2ebench mutate -port P -user USER [-flags-per-mille F] [-expunge-per-mille E] [-new K] [-round R]\n"+
		"       e2ebench touch -dir MAILDIR_FOLDER [-flags-per-mille F] [-delete K] [-round R]")
	os.Exit(2)
}
