//go:build unix

package cli

import (
	"os"
	"os/signal"
	"syscall"
)

// progressSignal delivers SIGUSR1, the request for a progress line.
func progressSignal() <-chan os.Signal {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR1)
	return ch
}

// reloadSignal delivers SIGHUP, the request to reload the configuration,
// until stop.
func reloadSignal() (<-chan os.Signal, func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGHUP)
	return ch, func() { signal.Stop(ch) }
}
