package main

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// "imapdir raw ACCOUNT" reading commands from a pipe (a script, a
// supervisor) stops on SIGTERM and SIGINT like every other command, with
// exit 130, instead of waiting on for input.
func TestRawFromPipeStopsOnSignal(t *testing.T) {
	a := newAccount(t, "")
	for _, sig := range []os.Signal{syscall.SIGTERM, os.Interrupt} {
		cmd := exec.Command(binary, "--config", a.config, "raw", "work")
		cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir(), a.stateEnv())
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = cmd.Stdout
		pr, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdin = pr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pr.Close()
		// Logged in once NOOP is answered: the REPL then waits for the next line.
		pw.Write([]byte("NOOP\n"))
		lines := make(chan string, 64)
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
		}()
		var out []string
		deadline := time.After(30 * time.Second)
	wait:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("%v: output ended before NOOP was answered:\n%s", sig, strings.Join(out, "\n"))
				}
				out = append(out, l)
				if strings.Contains(l, "OK NOOP") {
					break wait
				}
			case <-deadline:
				cmd.Process.Kill()
				t.Fatalf("%v: NOOP not answered:\n%s", sig, strings.Join(out, "\n"))
			}
		}
		cmd.Process.Signal(sig)
		done := make(chan error, 1)
		go func() {
			for l := range lines {
				out = append(out, l)
			}
			done <- cmd.Wait()
		}()
		select {
		case <-done:
			if code := cmd.ProcessState.ExitCode(); code != 130 {
				t.Errorf("%v: exit %d, want 130\n%s", sig, code, strings.Join(out, "\n"))
			}
		case <-time.After(10 * time.Second):
			t.Errorf("%v: imapdir raw still running 10s after the signal", sig)
			cmd.Process.Kill()
			<-done
		}
		pw.Close()
	}
}
