package watch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// hooks runs an account's hook commands: each at most once at a time; a
// run asked for while one is going is queued (one at most, the latest
// wins), so a burst of syncs runs the command twice, not once per sync.
type hooks struct {
	a        *account
	postSync hookRunner
	newMail  hookRunner
	kill     context.CancelFunc // ends every running hook
}

// hookGrace is how long a stopping watch waits for running hooks before
// it kills them.
const hookGrace = time.Second

func newHooks(a *account) *hooks {
	ctx, kill := context.WithCancel(context.Background())
	h := &hooks{a: a, kill: kill}
	h.postSync = hookRunner{a: a, ctx: ctx, name: "post_sync_command", cmd: a.Hooks.PostSync}
	h.newMail = hookRunner{a: a, ctx: ctx, name: "new_mail_command", cmd: a.Hooks.NewMail}
	return h
}

// afterSync fires the hooks a job's reports call for.
func (h *hooks) afterSync(reps []report) {
	changed := false
	for _, r := range reps {
		if r.err == nil && !r.pulled.zero() {
			changed = true
		}
		if r.newMail.Count > 0 {
			h.newMail.fire(newMailEnv(h.a.Name, r))
		}
	}
	if changed {
		h.postSync.fire([]string{"IMAPDIR_ACCOUNT=" + h.a.Name})
	}
}

// wait lets running hooks finish, killing them after hookGrace (at
// shutdown: a stop must be quick).
func (h *hooks) wait() {
	done := make(chan struct{})
	go func() {
		h.postSync.wg.Wait()
		h.newMail.wg.Wait()
		close(done)
	}()
	t := time.NewTimer(hookGrace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		h.kill()
		<-done
	}
	h.kill()
}

// newMailEnv is new_mail_command's environment for one mailbox.
func newMailEnv(account string, r report) []string {
	lines := make([]string, 0, len(r.newList))
	for _, m := range r.newList {
		lines = append(lines, m.from+"\t"+m.subject)
	}
	return []string{
		"IMAPDIR_ACCOUNT=" + account,
		"IMAPDIR_MAILBOX=" + r.mailbox,
		"IMAPDIR_COUNT=" + strconv.Itoa(r.newMail.Count),
		"IMAPDIR_FROM=" + r.newMail.From,
		"IMAPDIR_SUBJECT=" + r.newMail.Subject,
		"IMAPDIR_MESSAGES=" + strings.Join(lines, "\n"),
	}
}

// hookRunner runs one hook command.
type hookRunner struct {
	a    *account
	ctx  context.Context // canceled to kill the hook
	name string
	cmd  string

	mu      sync.Mutex
	running bool
	queued  []string // environment of the queued run; nil: none
	wg      sync.WaitGroup
}

// fire runs the command with env added to the environment, or queues it.
func (r *hookRunner) fire(env []string) {
	if r.cmd == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running {
		r.queued = env
		return
	}
	r.running = true
	r.wg.Add(1)
	go r.loop(env)
}

func (r *hookRunner) loop(env []string) {
	defer r.wg.Done()
	for env != nil {
		r.runOnce(env)
		r.mu.Lock()
		env, r.queued = r.queued, nil
		if env == nil {
			r.running = false
		}
		r.mu.Unlock()
	}
}

// runOnce runs the command once; a failure is reported, never fatal.
func (r *hookRunner) runOnce(env []string) {
	ctx, cancel := context.WithTimeout(r.ctx, r.a.Hooks.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", r.cmd)
	cmd.Env = append(os.Environ(), env...)
	setProcessGroup(cmd)
	cmd.WaitDelay = 2 * time.Second
	out, err := cmd.CombinedOutput()
	switch {
	case r.ctx.Err() != nil:
		err = errors.New("killed: the watch is stopping")
	case ctx.Err() != nil:
		err = fmt.Errorf("timed out after %s", r.a.Hooks.Timeout)
	}
	if err != nil {
		msg := fmt.Sprintf("%s failed: %v", r.name, err)
		if s := strings.TrimSpace(string(out)); s != "" {
			msg += ": " + oneLine(s)
		}
		r.a.emit(Event{Kind: EventError, Error: msg})
	}
}
