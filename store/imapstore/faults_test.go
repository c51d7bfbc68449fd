package imapstore_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/internal/testenv"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/imapstore"
)

// conns records the connections a dialer made, so a test can cut them.
type conns struct {
	mu  sync.Mutex
	all []net.Conn
}

func (c *conns) dial(addr, user, password string) func(context.Context) (*imapclient.Client, error) {
	return func(ctx context.Context) (*imapclient.Client, error) {
		opts := &imapclient.Options{InsecurePlaintext: true, Dialer: func(ctx context.Context, network, a string) (net.Conn, error) {
			var d net.Dialer
			conn, err := d.DialContext(ctx, network, a)
			if err == nil {
				c.mu.Lock()
				c.all = append(c.all, conn)
				c.mu.Unlock()
			}
			return conn, err
		}}
		cl, err := imapclient.Dial(ctx, addr, opts)
		if err != nil {
			return nil, err
		}
		if err := cl.Login(ctx, user, imapclient.SecretString(password)); err != nil {
			cl.Close()
			return nil, err
		}
		return cl, nil
	}
}

func (c *conns) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.all)
}

// cutAll closes every connection dialed so far, as a network failure would.
func (c *conns) cutAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, conn := range c.all {
		conn.Close()
	}
}

// TestPoolCap: at most Connections are dialed; an OpenMailbox beyond the
// cap waits and gives up when its context ends (graded canceled), and gets
// a connection as soon as a mailbox is closed.
func TestPoolCap(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	srv.CreateMailbox(t, u.Name, "Other")
	var cs conns
	st := serverStore(t, srv, u, imapstore.Options{Dial: cs.dial(srv.IMAPAddr(), u.Name, u.Password), Connections: 2})
	defer st.Close()
	a, err := st.OpenMailbox(t.Context(), "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.OpenMailbox(t.Context(), "Other")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, err = st.OpenMailbox(ctx, "INBOX")
	if store.ScopeOf(err) != store.ScopeCanceled {
		t.Errorf("OpenMailbox beyond the cap: %v (scope %v), want canceled", err, store.ScopeOf(err))
	}
	_, err = st.ListMailboxes(ctx)
	if store.ScopeOf(err) != store.ScopeCanceled {
		t.Errorf("ListMailboxes with every connection held: %v, want canceled", err)
	}
	done := make(chan error, 1)
	go func() {
		mb, err := st.OpenMailbox(t.Context(), "INBOX")
		if err == nil {
			err = mb.Close()
		}
		done <- err
	}()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Errorf("OpenMailbox after a Close: %v", err)
	}
	a.Close()
	if n := cs.count(); n != 2 {
		t.Errorf("dialed %d connections, want 2 (the cap)", n)
	}
}

// TestBrokenConnection: a connection cut under an open mailbox gives a
// retryable, mailbox-scoped error (no hang); the mailbox can be closed and
// opened again on a new connection.
func TestBrokenConnection(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	var cs conns
	st := serverStore(t, srv, u, imapstore.Options{Dial: cs.dial(srv.IMAPAddr(), u.Name, u.Password)})
	defer st.Close()
	mb, err := st.OpenMailbox(t.Context(), "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	body := []byte("Subject: x\r\nMessage-ID: <cut@x>\r\n\r\nbody\r\n")
	if _, err := mb.Append(t.Context(), store.NewMessage{Size: int64(len(body)), Body: bytes.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
	cs.cutAll()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	err = mb.List(ctx, store.ListOptions{}, func([]store.Message) error { return nil })
	var se *store.Error
	if !errors.As(err, &se) || se.Scope != store.ScopeMailbox || !se.Retryable {
		t.Fatalf("List on a cut connection: %v, want a retryable mailbox-scoped *store.Error", err)
	}
	if err := mb.Close(); err != nil {
		t.Errorf("Close after the cut: %v", err)
	}
	again, err := st.OpenMailbox(t.Context(), "INBOX")
	if err != nil {
		t.Fatalf("OpenMailbox after the cut: %v", err)
	}
	defer again.Close()
	n := 0
	if err := again.List(t.Context(), store.ListOptions{}, func(ms []store.Message) error { n += len(ms); return nil }); err != nil || n != 1 {
		t.Errorf("List on the new connection: %d messages, %v; want 1", n, err)
	}
}

// TestCanceledMidway: a context canceled during a long List is graded
// canceled, and the connection (with an abandoned command) is not reused.
func TestCanceledMidway(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	srv.DeliverMessages(t, u.Name, "INBOX", time.Time{}, genMessages("mid", 3000, 200)...)
	var cs conns
	st := serverStore(t, srv, u, imapstore.Options{Dial: cs.dial(srv.IMAPAddr(), u.Name, u.Password), ListChunk: 100})
	defer st.Close()
	mb, err := st.OpenMailbox(t.Context(), "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	err = mb.List(ctx, store.ListOptions{BatchSize: 50}, func([]store.Message) error { cancel(); return nil })
	if store.ScopeOf(err) != store.ScopeCanceled {
		t.Errorf("List canceled midway: %v (scope %v), want canceled", err, store.ScopeOf(err))
	}
	mb.Close()
	before := cs.count()
	re, err := st.OpenMailbox(t.Context(), "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	defer re.Close()
	if cs.count() == before {
		t.Errorf("the connection of the canceled List was reused")
	}
}

// TestDialErrors: a dialer that fails, or that returns a connection not
// logged in, makes New fail with a store-scoped error.
func TestDialErrors(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	cases := map[string]func(context.Context) (*imapclient.Client, error){
		"wrong password": dialer(srv.IMAPAddr(), u.Name, "not-"+u.Password, nil),
		"not logged in": func(ctx context.Context) (*imapclient.Client, error) {
			return imapclient.Dial(ctx, srv.IMAPAddr(), &imapclient.Options{InsecurePlaintext: true})
		},
	}
	for name, dial := range cases {
		st, err := imapstore.New(t.Context(), imapstore.Options{Dial: dial})
		if err == nil {
			st.Close()
			t.Errorf("%s: New succeeded", name)
			continue
		}
		if store.ScopeOf(err) != store.ScopeStore {
			t.Errorf("%s: %v (scope %v), want scope store", name, err, store.ScopeOf(err))
		}
	}
	if _, err := imapstore.New(t.Context(), imapstore.Options{}); store.ScopeOf(err) != store.ScopeStore {
		t.Errorf("New without Dial: %v, want a store-scoped error", err)
	}
}

// TestCutDuringFetch: a connection cut while pipelined body fetches are in
// flight ends FetchBodies with a retryable error, without hanging.
func TestCutDuringFetch(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	uids := srv.DeliverMessages(t, u.Name, "INBOX", time.Time{}, genMessages("cut", 300, 5000)...)
	var cs conns
	st := serverStore(t, srv, u, imapstore.Options{Dial: cs.dial(srv.IMAPAddr(), u.Name, u.Password), FetchWindow: 32 << 10})
	defer st.Close()
	mb, err := st.OpenMailbox(t.Context(), "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	defer mb.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	n := 0
	err = mb.FetchBodies(ctx, toStoreUIDs(uids), func(store.Message, io.Reader) error {
		if n++; n == 1 {
			cs.cutAll()
		}
		return nil
	})
	if !store.IsRetryable(err) || store.ScopeOf(err) != store.ScopeMailbox {
		t.Errorf("FetchBodies over a cut connection: %v after %d bodies, want a retryable mailbox-scoped error", err, n)
	}
}
