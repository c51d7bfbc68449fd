package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/imapdir/imapdir/internal/importer/testdata/copimapgen"
	"github.com/imapdir/imapdir/internal/testenv"
	"github.com/imapdir/imapdir/maildir"
)

// newCopimapRig seeds perFolder messages into each of mbsyncFolders (the
// 3rd of INBOX seen, the 2nd of Entwürfe flagged and seen) and writes the
// Maildir copimap would have made of them, one local store per mailbox
// in the "dots-mutf7" layout, with copimap's databases (built by
// testdata/copimapgen from copimap's schema).
func newCopimapRig(t *testing.T, perFolder int) *mbsyncRig {
	t.Helper()
	srv := testenv.Dovecot(t)
	r := &mbsyncRig{world: newWorld(t), srv: srv, user: srv.NewUser(t), layout: "dots-mutf7"}
	r.maildir = filepath.Join(r.dir, "Mail")
	date := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	gen := &copimapgen.Gen{Host: "host", Clock: date.Add(time.Hour)}
	for fi, box := range mbsyncFolders {
		if box != "INBOX" {
			srv.CreateMailbox(t, r.user.Name, box)
		}
		raws := make([][]byte, perFolder)
		for i := range raws {
			raws[i] = []byte(fmt.Sprintf("Message-ID: <m%d-%d@example.com>\r\nFrom: a@example.com\r\n"+
				"Subject: message %d of folder %d\r\n\r\nbody %d\r\n", fi, i, i, fi, i))
		}
		uids := srv.DeliverMessages(t, r.user.Name, box, date, raws...)
		flags := map[uint32][]string{}
		switch box {
		case "INBOX":
			srv.AddFlags(t, r.user.Name, box, 3, `\Seen`)
			flags[3] = []string{`\Seen`}
		case "Entwürfe":
			srv.AddFlags(t, r.user.Name, box, 2, `\Flagged`, `\Seen`)
			flags[2] = []string{`\Flagged`, `\Seen`}
		}
		st := srv.MailboxStatus(t, r.user.Name, box)
		uv, _ := strconv.ParseUint(st["uidvalidity"], 10, 32)
		next, _ := strconv.ParseUint(st["uidnext"], 10, 32)
		dir, err := maildir.LayoutDotsMUTF7.Path(r.maildir, box)
		if err != nil {
			t.Fatal(err)
		}
		f := copimapgen.Folder{Dir: dir, UIDValidity: uint32(uv), UIDNext: uint32(next)}
		for i, raw := range raws {
			f.Messages = append(f.Messages, copimapgen.Message{UID: uids[i], Raw: bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n")),
				Flags: flags[uids[i]], MessageID: fmt.Sprintf("<m%d-%d@example.com>", fi, i), InternalDate: date})
		}
		if _, err := gen.Write(f); err != nil {
			t.Fatal(err)
		}
	}
	r.configFor(r.user)
	return r
}

// TestImportCopimapAdoptsWithoutCopying: a Maildir as copimap leaves it
// (1 000 messages in 4 folders, one non-ASCII, one nested) is adopted;
// the next sync copies no body, touches no local file and changes nothing
// on the server; then changes on both sides go through the adopted
// folders.
func TestImportCopimapAdoptsWithoutCopying(t *testing.T) {
	r := newCopimapRig(t, 250)
	checkAdoption(t, r, []string{"copimap", "work", "--from", r.maildir}, "Archive.2024")
}

// TestImportCopimapRefusesStaleState: when the server's UIDVALIDITY is not
// the one copimap recorded, the import refuses and writes nothing.
func TestImportCopimapRefusesStaleState(t *testing.T) {
	r := newCopimapRig(t, 5)
	r.srv.ForceUIDValidityChange(t, r.user.Name, "Sent")
	files := snapshot(t, r.maildir)
	code, out, errOut := r.runReal("import", "copimap", "work", "--from", r.maildir)
	if code == 0 || !strings.Contains(errOut, "UIDVALIDITY") || !strings.Contains(errOut, "nothing was written") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(r.maildir, ".imapdir.sqlite3")); !errors.Is(err, os.ErrNotExist) {
		t.Error("a refused import created the state database")
	}
	sameFiles(t, "refused import", files, snapshot(t, r.maildir))
}
