//go:build !unix

package cli

import "os"

// progressSignal returns nil: there is no SIGUSR1 here.
func progressSignal() <-chan os.Signal { return nil }

// reloadSignal delivers nothing: there is no SIGHUP here.
func reloadSignal() (<-chan os.Signal, func()) { return nil, func() {} }
