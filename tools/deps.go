//go:build tools

// Package tools pins the module's chosen dependencies before the packages
// that use them are written, so concurrent work does not race on go.mod.
package tools

import (
	_ "github.com/BurntSushi/toml"
	_ "github.com/emersion/go-imap/v2/imapserver"
	_ "github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	_ "github.com/spf13/cobra"
	_ "github.com/vbauerster/mpb/v8"
	_ "golang.org/x/oauth2"
	_ "golang.org/x/sys/unix"
	_ "golang.org/x/term"
	_ "golang.org/x/text/encoding/htmlindex"
	_ "modernc.org/sqlite"
)
