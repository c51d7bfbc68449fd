package testenv

import (
	"context"
	"path/filepath"
	"time"
)

// Halt stops Dovecot's processes but keeps the server's directory, ports
// and mail, so that Resume can start it again: to test clients across a
// server restart. Connections are closed (Dovecot says BYE), and new ones
// are refused until Resume. Only for servers of the test's own (Start).
func (s *Server) Halt() error {
	return s.master.stop(stopGrace)
}

// Resume starts Dovecot again after Halt, on the same ports with the same
// configuration and mail, and returns once it greets.
func (s *Server) Resume(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Minute)
		defer cancel()
	}
	m, err := spawnMaster(s.bins.dovecot, s.conf, filepath.Join(s.dir, "master.out"))
	if err != nil {
		return err
	}
	s.master = m
	if err := waitReady(ctx, m, s.IMAPSAddr(), s.TLSConfig()); err != nil {
		_ = m.stop(stopGrace)
		return err
	}
	return nil
}
