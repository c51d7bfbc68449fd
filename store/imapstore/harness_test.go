package imapstore_test

import (
	"bytes"
	"context"
	"net"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/imapclient"
	"github.com/imapdir/imapdir/internal/demoserver"
	"github.com/imapdir/imapdir/internal/testenv"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/imapstore"
	"github.com/imapdir/imapdir/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(testenv.RunMain(m)) }

// counter counts the bytes crossing the connections it dialed.
type counter struct{ read, written atomic.Int64 }

// countingConn is a net.Conn that adds its traffic to a counter.
type countingConn struct {
	net.Conn
	c *counter
}

func (cc countingConn) Read(p []byte) (int, error) {
	n, err := cc.Conn.Read(p)
	cc.c.read.Add(int64(n))
	return n, err
}

func (cc countingConn) Write(p []byte) (int, error) {
	n, err := cc.Conn.Write(p)
	cc.c.written.Add(int64(n))
	return n, err
}

// dialer logs in to addr as user over plaintext on loopback; with cnt set
// it counts the bytes.
func dialer(addr, user, password string, cnt *counter) func(context.Context) (*imapclient.Client, error) {
	return func(ctx context.Context) (*imapclient.Client, error) {
		opts := &imapclient.Options{InsecurePlaintext: true}
		if cnt != nil {
			opts.Dialer = func(ctx context.Context, network, a string) (net.Conn, error) {
				var d net.Dialer
				conn, err := d.DialContext(ctx, network, a)
				if err != nil {
					return nil, err
				}
				return countingConn{Conn: conn, c: cnt}, nil
			}
		}
		c, err := imapclient.Dial(ctx, addr, opts)
		if err != nil {
			return nil, err
		}
		if err := c.Login(ctx, user, imapclient.SecretString(password)); err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	}
}

// serverStore opens a store for user on srv (any kind of test server).
func serverStore(t testing.TB, srv testenv.MailServer, u testenv.User, opts imapstore.Options) *imapstore.Store {
	t.Helper()
	if opts.Dial == nil {
		opts.Dial = dialer(srv.IMAPAddr(), u.Name, u.Password, nil)
	}
	if opts.Connections == 0 {
		opts.Connections = 8
	}
	st, err := imapstore.New(context.Background(), opts)
	if err != nil {
		t.Fatalf("imapstore.New: %v", err)
	}
	return st
}

// uidValidityResetter is a test server that can give a mailbox a new
// UIDVALIDITY keeping its messages: Dovecot and Courier. Cyrus keeps it
// in its own index, out of reach of the harness, so the suite skips that
// case there.
type uidValidityResetter interface {
	ForceUIDValidityChange(tb testing.TB, user, mailbox string) uint32
}

// serverHarness runs the conformance suite against a test server, a
// fresh user per subtest, with the capabilities in disabled ignored.
func serverHarness(srv testenv.MailServer, disabled ...imap.Cap) storetest.Harness {
	users := make(map[store.Store]testenv.User)
	var mu sync.Mutex
	userOf := func(st store.Store) testenv.User {
		mu.Lock()
		defer mu.Unlock()
		return users[st]
	}
	open := func(t *testing.T, u testenv.User) store.Store {
		st := serverStore(t, srv, u, imapstore.Options{DisableCaps: disabled})
		mu.Lock()
		users[st] = u
		mu.Unlock()
		return st
	}
	h := storetest.Harness{
		New: func(t *testing.T) store.Store { return open(t, srv.NewUser(t)) },
		AppendBehind: func(t *testing.T, st store.Store, mailbox string, body []byte, flags store.Flags, date time.Time) {
			u := userOf(st)
			uid := srv.SaveMessage(t, u.Name, mailbox, body)
			if len(flags) > 0 {
				srv.AddFlags(t, u.Name, mailbox, uid, flagStrings(flags)...)
			}
		},
		ChangeFlagsBehind: func(t *testing.T, st store.Store, mailbox string, uid store.UID, add, remove store.Flags) {
			u := userOf(st)
			if len(add) > 0 {
				srv.AddFlags(t, u.Name, mailbox, uint32(uid), flagStrings(add)...)
			}
			if len(remove) > 0 {
				srv.RemoveFlags(t, u.Name, mailbox, uint32(uid), flagStrings(remove)...)
			}
		},
		ExpungeBehind: func(t *testing.T, st store.Store, mailbox string, uids ...store.UID) {
			u := userOf(st)
			raw := make([]uint32, len(uids))
			for i, uid := range uids {
				raw[i] = uint32(uid)
			}
			srv.Expunge(t, u.Name, mailbox, raw...)
		},
		Reopen: func(t *testing.T, st store.Store) store.Store {
			u := userOf(st)
			if err := st.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			return open(t, u)
		},
	}
	switch srv.Kind() {
	case testenv.KindCourier:
		h.Stored = courierStored
	case testenv.KindCyrus:
		h.Stored = cyrusStored
	}
	if r, ok := srv.(uidValidityResetter); ok && srv.Kind() != testenv.KindCyrus {
		h.ResetUIDValidity = func(t *testing.T, st store.Store, mailbox string) {
			r.ForceUIDValidityChange(t, userOf(st).Name, mailbox)
		}
	}
	return h
}

// courierStored is what Courier-IMAP 5 keeps of an appended message: a
// last line without a line end gets CRLF.
func courierStored(body []byte) []byte {
	if len(body) > 0 && !bytes.HasSuffix(body, []byte("\n")) {
		return append(slices.Clip(body), "\r\n"...)
	}
	return body
}

// cyrusStored is what Cyrus 3.6 keeps of an appended message: with its
// default munge8bit, each 8-bit byte of the header becomes "X" (the body
// is kept).
func cyrusStored(body []byte) []byte {
	end := bytes.Index(body, []byte("\r\n\r\n"))
	if end < 0 {
		end = len(body)
	}
	out := slices.Clone(body)
	for i := range out[:end] {
		if out[i] >= 0x80 {
			out[i] = 'X'
		}
	}
	return out
}

func flagStrings(fs store.Flags) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = string(f)
	}
	return out
}

// TestConformance runs the store suite against each test server with
// everything it offers: Dovecot and Cyrus take the QRESYNC path, Courier
// (no CONDSTORE) the full-listing one.
func TestConformance(t *testing.T) {
	for _, kind := range testenv.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			storetest.Run(t, serverHarness(testenv.Shared(t, kind)))
		})
	}
}

// TestConformanceDovecotCondStore runs it with QRESYNC ignored: the
// CONDSTORE-only path that Gmail takes (vanished UIDs from Known).
func TestConformanceDovecotCondStore(t *testing.T) {
	storetest.Run(t, serverHarness(testenv.Dovecot(t), imap.CapQResync))
}

// TestConformanceDovecotBare runs it with CONDSTORE, QRESYNC, UIDPLUS and
// MOVE ignored: no Changes, APPEND without UIDs, COPY + EXPUNGE moves and
// the expunge that spares other \Deleted messages.
func TestConformanceDovecotBare(t *testing.T) {
	storetest.Run(t, serverHarness(testenv.Dovecot(t), imap.CapCondStore, imap.CapQResync, imap.CapUIDPlus, imap.CapMove))
}

// TestFeatures: what each test server's capabilities map to (the server
// matrix of docs/RELIABILITY.md).
func TestFeatures(t *testing.T) {
	for kind, want := range map[testenv.Kind]store.Features{
		testenv.KindDovecot: {Changes: true, CondStore: true, QResync: true, UIDPlus: true, Move: true, Keywords: true},
		testenv.KindCyrus: {Changes: true, CondStore: true, QResync: true, UIDPlus: true, Move: true, Keywords: true,
			StableIDs: true, MailboxIDs: true},
		testenv.KindCourier: {UIDPlus: true, Keywords: true},
	} {
		srv := testenv.Shared(t, kind)
		st := serverStore(t, srv, srv.NewUser(t), imapstore.Options{})
		if got := st.Features(); got != want {
			t.Errorf("%s: %+v, want %+v", kind, got, want)
		}
		st.Close()
	}
	demo, err := demoserver.Start(context.Background(), demoserver.Options{Messages: 5})
	if err != nil {
		t.Fatal(err)
	}
	defer demo.Close()
	ds, err := imapstore.New(t.Context(), imapstore.Options{Dial: dialer(demo.Addr(), demo.User(), demo.Password(), nil)})
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	t.Logf("demo server features: %+v", ds.Features())
	if f := ds.Features(); f.Changes || f.CondStore || f.QResync {
		t.Errorf("demo server: %+v claims change tracking it lacks", f)
	}
}
