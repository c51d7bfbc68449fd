package imapstore_test

import (
	"context"
	"testing"

	"github.com/imapdir/imapdir/internal/demoserver"
	"github.com/imapdir/imapdir/internal/testenv"
	"github.com/imapdir/imapdir/store"
	"github.com/imapdir/imapdir/store/imapstore"
)

// TestFeatures: what each test server's capabilities map to.
func TestFeatures(t *testing.T) {
	srv := testenv.Dovecot(t)
	u := srv.NewUser(t)
	st := dovecotStore(t, srv, u, imapstore.Options{})
	defer st.Close()
	want := store.Features{Changes: true, CondStore: true, QResync: true, UIDPlus: true, Move: true, Keywords: true}
	if got := st.Features(); got != want {
		t.Errorf("Dovecot: %+v, want %+v", got, want)
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
