package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/internal/config"
	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/memstore"
)

// world is an in-process imapdir: a config file in a temp dir, memstores as
// the far and near sides, a fixed clock.
type world struct {
	t          *testing.T
	dir        string
	configPath string
	far, near  *memstore.Store
	connect    func(ctx context.Context, acct *config.Account, logs Logs, push func(*imap.Response)) (Session, error)
	ctx        context.Context // nil: context.Background()
	progress   chan os.Signal  // the App's ProgressSignal
}

var fixedNow = time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{t: t, dir: t.TempDir()}
	opts := memstore.Options{Features: memstore.AllFeatures(), Now: func() time.Time { return fixedNow }}
	w.far, w.near = memstore.New(opts), memstore.New(opts)
	w.writeConfig(fmt.Sprintf(`[accounts.work]
host = "imap.example.com"
user = "me@example.com"
password = "s3cret-Passw0rd"
maildir = %q
folders = ["*", "!Junk"]
connections = 1 # mailboxes in a fixed order, for the golden files
`, filepath.Join(w.dir, "Maildir")))
	return w
}

func (w *world) writeConfig(text string) {
	w.t.Helper()
	w.configPath = filepath.Join(w.dir, "config.toml")
	if err := os.WriteFile(w.configPath, []byte(text), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// seed puts n messages into mailbox on the far side.
func (w *world) seed(mailbox string, n int, flags ...store.Flag) {
	w.t.Helper()
	for i := 0; i < n; i++ {
		body := fmt.Sprintf("Message-ID: <%s-%d@example.com>\r\nSubject: test %d\r\n\r\nbody %d\r\n", mailbox, i, i, i)
		if _, err := w.far.Seed(mailbox, []byte(body), store.NewFlags(flags...), fixedNow.Add(-time.Hour)); err != nil {
			w.t.Fatal(err)
		}
	}
}

// keep hides Close, so that the memstores outlive one run.
type keep struct{ store.Store }

func (keep) Close() error { return nil }

// run runs imapdir with args over the world's memstores and returns the
// exit code, stdout and stderr.
func (w *world) run(args ...string) (int, string, string) {
	w.t.Helper()
	return w.runWith(Backends{
		Far: func(context.Context, *config.Account, Logs) (store.Store, error) { return keep{w.far}, nil },
		Near: func(context.Context, *config.Account, string, *statedb.DB, Logs, bool) (store.Store, error) {
			return keep{w.near}, nil
		},
		Connect: w.connect,
	}, args...)
}

// runReal runs imapdir with the real backends (IMAP client and stores).
func (w *world) runReal(args ...string) (int, string, string) {
	w.t.Helper()
	return w.runWith(Backends{}, args...)
}

func (w *world) runWith(b Backends, args ...string) (int, string, string) {
	w.t.Helper()
	var out, errOut lockedBuffer // with -vvv every connection traces to stderr
	ctx := w.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	app := &App{
		Stdout: &out, Stderr: &errOut, ProgressSignal: w.progress,
		Env:      config.Env{Lookup: func(string) (string, bool) { return "", false }, Home: w.dir},
		Now:      func() time.Time { return fixedNow },
		Backends: b,
	}
	code := app.Run(ctx, append([]string{"--config", w.configPath}, args...))
	return code, out.String(), errOut.String()
}

// replaceDir hides the test's temporary directory in output.
func (w *world) replaceDir(s string) string { return strings.ReplaceAll(s, w.dir, "$DIR") }
