// Command imapdir keeps IMAP folders and local Maildir folders in step.
// Run "imapdir --help" for the commands; the work is done by package
// internal/cli.
package main

import (
	"os"

	"github.com/imapdir/imapdir/internal/cli"
)

func main() { os.Exit(cli.Main()) }
