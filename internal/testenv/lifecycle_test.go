package testenv

import (
	"context"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestTwoServersInOneProcess starts two servers concurrently: their
// ports and directories differ, each knows only its own users, and after
// Stop no process of either is left (checked by pid) and the directories
// are gone.
func TestTwoServersInOneProcess(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var srvs [2]*Server
	var errs [2]error
	var wg sync.WaitGroup
	for i := range srvs {
		wg.Go(func() { srvs[i], errs[i] = Start(ctx, Options{}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("server %d: %v", i, err)
		}
		t.Cleanup(func() { srvs[i].Stop() })
	}
	a, b := srvs[0], srvs[1]
	ports := map[int]bool{a.IMAPPort(): true, a.IMAPSPort(): true, b.IMAPPort(): true, b.IMAPSPort(): true}
	if len(ports) != 4 || a.Dir() == b.Dir() || a.master.pid == b.master.pid {
		t.Fatalf("servers collide: ports %d/%d and %d/%d, dirs %s and %s",
			a.IMAPPort(), a.IMAPSPort(), b.IMAPPort(), b.IMAPSPort(), a.Dir(), b.Dir())
	}
	ua, ub := a.NewUser(t), b.NewUser(t)
	checkLogin(t, a, ua, true)
	checkLogin(t, b, ub, true)
	checkLogin(t, a, ub, false) // b's user is unknown to a: really two servers
	for _, s := range srvs {
		checkStopLeavesNothing(t, s)
	}
}

// checkLogin logs in as u on s and wants success or refusal.
func checkLogin(t *testing.T, s *Server, u User, wantOK bool) {
	t.Helper()
	c := dialTLS(t, s, "localhost")
	c.greeting()
	_, st := c.cmd("LOGIN %q %q", u.Name, u.Password)
	if got := strings.HasPrefix(st, "OK"); got != wantOK {
		t.Errorf("LOGIN %s on %s: %s", u.Name, s.IMAPSAddr(), st)
	}
}

// checkStopLeavesNothing stops s and checks that every process of its
// group (master and children, listed before Stop) is gone.
func checkStopLeavesNothing(t *testing.T, s *Server) {
	t.Helper()
	pids := groupPIDs(s.master.pid)
	if len(pids) < 2 {
		t.Fatalf("dovecot group %d has processes %v, want master and children", s.master.pid, pids)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	for _, pid := range pids {
		if state, pgrp, ok := procStat(pid); ok && pgrp == s.master.pid && state != 'Z' {
			t.Errorf("pid %d (group %d) still alive after Stop", pid, pgrp)
		}
	}
	if _, err := os.Stat(s.Dir()); !os.IsNotExist(err) {
		t.Errorf("dir %s still exists after Stop (err %v)", s.Dir(), err)
	}
	if err := s.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

// TestStopAfterSessions stops a server that has live IMAP sessions (an
// idle mail process and a preauth imap): nothing of the group survives.
func TestStopAfterSessions(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop() })
	u := s.NewUser(t)
	c := dialTLS(t, s, "localhost")
	c.greeting()
	c.login(u)
	c.ok("SELECT INBOX")
	checkStopLeavesNothing(t, s)
}

// TestStartFailureShowsLog makes Dovecot refuse its config and wants the
// start error to carry the log tail, and nothing left behind.
func TestStartFailureShowsLog(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Start(ctx, Options{ExtraConfig: "no_such_setting_imapdir = 1\n"})
	if err == nil {
		s.Stop()
		t.Fatal("Start succeeded with a bad setting")
	}
	if !strings.Contains(err.Error(), "no_such_setting_imapdir") || !strings.Contains(err.Error(), "log tail") {
		t.Errorf("error lacks the log tail naming the bad setting: %v", err)
	}
}

// TestRetryWhenPortTaken gives the first start attempt a port another
// listener holds: Dovecot's bind fails and Start retries on new ports.
func TestRetryWhenPortTaken(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	taken := ln.Addr().(*net.TCPAddr).Port
	calls := 0
	pick := func(n int) ([]int, error) {
		calls++
		ports, err := freePorts(n)
		if calls == 1 && err == nil {
			ports[1] = taken
		}
		return ports, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Start(ctx, Options{pickPorts: pick})
	if err != nil {
		t.Fatalf("Start with a taken port: %v", err)
	}
	defer s.Stop()
	if calls < 2 || s.IMAPSPort() == taken {
		t.Errorf("ports picked %d times, IMAPS port %d (taken %d)", calls, s.IMAPSPort(), taken)
	}
	checkLogin(t, s, s.NewUser(t), true)
}

// TestExtraConfigOverrides repeats generated settings in ExtraConfig: the
// later value wins, so a test can take extensions away from the server.
func TestExtraConfigOverrides(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Start(ctx, Options{ExtraConfig: "mailbox_list_index = no\nimap_capability = IMAP4rev1 IDLE UIDPLUS\n"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	u := s.NewUser(t)
	c := dialTLS(t, s, "localhost")
	c.greeting()
	c.login(u)
	caps := capsOf(c.ok("CAPABILITY")[0])
	if !caps["UIDPLUS"] || caps["QRESYNC"] || caps["NOTIFY"] || caps["MOVE"] {
		t.Errorf("capabilities with ExtraConfig: %v", caps)
	}
}
