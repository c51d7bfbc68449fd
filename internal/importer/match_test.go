package importer

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/imapdir/imapdir/maildir"
	"github.com/imapdir/imapdir/store"
)

func TestMatchOne(t *testing.T) {
	d1 := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	d2 := d1.Add(time.Hour)
	file := func(name string, d time.Time) candidate {
		return candidate{file: maildir.Entry{Subdir: "cur", File: name}, date: d}
	}
	srv := func(uid store.UID, d time.Time) candidate { return candidate{uid: uid, date: d} }
	for _, tt := range []struct {
		name         string
		server, file []candidate
		pairs, left  int
	}{
		{"one each", []candidate{srv(1, d1)}, []candidate{file("a", d2)}, 1, 0},
		{"none on the server", nil, []candidate{file("a", d1)}, 0, 1},
		{"two told apart by date", []candidate{srv(1, d1), srv(2, d2)}, []candidate{file("a", d2), file("b", d1)}, 2, 0},
		{"two with one date", []candidate{srv(1, d1), srv(2, d1)}, []candidate{file("a", d1), file("b", d1)}, 0, 2},
		{"one file, two messages", []candidate{srv(1, d1), srv(2, d2)}, []candidate{file("a", d2)}, 1, 0},
	} {
		pairs, left := matchOne(tt.server, tt.file)
		if len(pairs) != tt.pairs || len(left) != tt.left {
			t.Errorf("%s: %d pairs, %d left; want %d, %d", tt.name, len(pairs), len(left), tt.pairs, tt.left)
		}
		for _, p := range pairs {
			for _, s := range tt.server {
				if s.uid == p.uid {
					for _, f := range tt.file {
						if f.file.File == p.file.File && len(tt.server) > 1 && !f.date.Equal(s.date) {
							t.Errorf("%s: paired UID %d with %s of another date", tt.name, p.uid, p.file.File)
						}
					}
				}
			}
		}
	}
}

// A file mbsync wrote carries its X-TUID, which the server's copy does
// not: its bare identity leaves the field out of the size.
func TestFileWireIdentity(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m")
	if err := os.WriteFile(path, []byte("Message-ID: <a@x>\nX-TUID: abcdefghijkl\n\nbody\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	id, bare, _, err := fileWireIdentity(path)
	if err != nil {
		t.Fatal(err)
	}
	wire := int64(len("Message-ID: <a@x>\r\nX-TUID: abcdefghijkl\r\n\r\nbody\r\n"))
	if id != store.MakeIdentity("a@x", "", wire) || bare != store.MakeIdentity("a@x", "", wire-int64(len("X-TUID: abcdefghijkl\r\n"))) {
		t.Errorf("identity %+v, bare %+v", id, bare)
	}
}

func TestTakePaired(t *testing.T) {
	id := store.MakeIdentity("a@x", "", 10)
	server := map[store.Identity][]candidate{id: {{uid: 1}, {uid: 2}}}
	takePaired(server, id, []matched{{uid: 2}})
	if cs := server[id]; len(cs) != 1 || cs[0].uid != 1 {
		t.Fatalf("left %+v, want UID 1", cs)
	}
	takePaired(server, id, []matched{{uid: 1}})
	if _, ok := server[id]; ok {
		t.Fatal("the identity stayed with no message")
	}
}
