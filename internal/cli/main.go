package cli

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// Main runs the imapdir command for this process and returns its exit
// code: SIGINT and SIGTERM cancel the run cleanly (a second one kills at
// once, as Go's default does), SIGUSR1 prints a progress line.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // restore the default: a second Ctrl-C ends the process
	}()
	app := &App{
		Stdin:          os.Stdin,
		Stdout:         os.Stdout,
		Stderr:         os.Stderr,
		ProgressSignal: progressSignal(),
	}
	return app.Run(ctx, os.Args[1:])
}
