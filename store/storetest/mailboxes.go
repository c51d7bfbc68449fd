package storetest

import (
	"bytes"

	"github.com/imapdir/imapdir/store"
)

// testMailboxes: a fresh store has INBOX; created mailboxes (nested,
// non-ASCII) are listed with their parents; duplicates and missing
// mailboxes give the right errors; mailbox IDs are honest.
func testMailboxes(f *fixture) {
	boxes := f.mailboxes()
	if mi, ok := boxes["INBOX"]; !ok || mi.NoSelect {
		f.t.Fatalf("fresh store: INBOX missing or \\Noselect in %v", boxes)
	}
	for _, name := range []string{"Archive/2024", "Entwürfe", "Listen/Go/Nüsse"} {
		f.create(name)
	}
	if err := f.st.CreateMailbox(f.ctx, "Sent", `\Sent`); err != nil {
		f.t.Fatalf("CreateMailbox(Sent, \\Sent): %v", err)
	}
	boxes = f.mailboxes()
	for _, name := range []string{"INBOX", "Archive", "Archive/2024", "Entwürfe", "Listen", "Listen/Go", "Listen/Go/Nüsse", "Sent"} {
		if _, ok := boxes[name]; !ok {
			f.t.Errorf("ListMailboxes lacks %q; has %v", name, keys(boxes))
		}
	}
	for _, name := range []string{"Archive/2024", "Entwürfe", "Listen/Go/Nüsse", "Sent"} {
		if boxes[name].NoSelect {
			f.t.Errorf("created mailbox %q is \\Noselect", name)
		}
		f.open(name)
	}
	f.wantErr("CreateMailbox existing", f.st.CreateMailbox(f.ctx, "Entwürfe", ""), store.ErrMailboxExists)
	f.wantErr("CreateMailbox INBOX", f.st.CreateMailbox(f.ctx, "INBOX", ""), store.ErrMailboxExists)
	_, err := f.st.OpenMailbox(f.ctx, "Nowhere")
	f.wantErr("OpenMailbox missing", err, store.ErrMailboxNotFound)
	_, err = f.st.OpenMailbox(f.ctx, "Archive/2025")
	f.wantErr("OpenMailbox missing child", err, store.ErrMailboxNotFound)
	checkMailboxIDs(f, boxes)
}

// checkMailboxIDs: with MailboxIDs every mailbox has a distinct ID;
// without, none has one.
func checkMailboxIDs(f *fixture, boxes map[string]store.MailboxInfo) {
	seen := make(map[string]string)
	for name, mi := range boxes {
		switch {
		case !f.feat.MailboxIDs && mi.ID != "":
			f.t.Errorf("%q has ID %q but the store does not claim MailboxIDs", name, mi.ID)
		case f.feat.MailboxIDs && mi.ID == "" && !mi.NoSelect:
			f.t.Errorf("%q has no ID but the store claims MailboxIDs", name)
		case mi.ID != "" && seen[mi.ID] != "":
			f.t.Errorf("%q and %q share ID %q", name, seen[mi.ID], mi.ID)
		}
		if mi.ID != "" {
			seen[mi.ID] = name
		}
	}
}

// testRename: a rename keeps the messages (and the mailbox ID), moves the
// children along, and the old name is gone.
func testRename(f *fixture) {
	f.create("Entwürfe")
	f.create("Projects/Alpha")
	body := mail("rename-1", "kept across rename\r\n")
	func() {
		mb, err := f.st.OpenMailbox(f.ctx, "Entwürfe")
		if err != nil {
			f.t.Fatalf("OpenMailbox: %v", err)
		}
		defer mb.Close()
		f.append(mb, body, store.Flags{store.Seen}, baseDate)
	}()
	before := f.mailboxes()
	if err := f.st.RenameMailbox(f.ctx, "Entwürfe", "Archive/Entwürfe alt"); err != nil {
		f.t.Fatalf("RenameMailbox: %v", err)
	}
	if err := f.st.RenameMailbox(f.ctx, "Projects", "Old Projects"); err != nil {
		f.t.Fatalf("RenameMailbox parent: %v", err)
	}
	after := f.mailboxes()
	for _, gone := range []string{"Entwürfe", "Projects", "Projects/Alpha"} {
		if _, ok := after[gone]; ok {
			f.t.Errorf("%q still listed after rename", gone)
		}
	}
	for _, name := range []string{"Archive/Entwürfe alt", "Old Projects", "Old Projects/Alpha"} {
		if _, ok := after[name]; !ok {
			f.t.Errorf("%q not listed after rename; have %v", name, keys(after))
		}
	}
	if f.feat.MailboxIDs && after["Archive/Entwürfe alt"].ID != before["Entwürfe"].ID {
		f.t.Errorf("mailbox ID changed across rename: %q → %q", before["Entwürfe"].ID, after["Archive/Entwürfe alt"].ID)
	}
	mb := f.open("Archive/Entwürfe alt")
	msgs := f.list(mb, store.ListOptions{})
	if len(msgs) != 1 || msgs[0].Size != int64(len(body)) || !msgs[0].Flags.Has(store.Seen) {
		f.t.Fatalf("renamed mailbox lists %+v, want the one \\Seen message of %d bytes", msgs, len(body))
	}
	got, _ := f.bodies(mb, []store.UID{msgs[0].UID})
	if !bytes.Equal(got[msgs[0].UID], body) {
		f.t.Errorf("body changed across rename")
	}
	_, err := f.st.OpenMailbox(f.ctx, "Entwürfe")
	f.wantErr("OpenMailbox old name", err, store.ErrMailboxNotFound)
	if err := f.st.RenameMailbox(f.ctx, "Old Projects/Alpha", "Archive/Entwürfe alt"); err == nil {
		f.t.Errorf("RenameMailbox onto an existing mailbox succeeded")
	}
	f.wantErr("RenameMailbox missing", f.st.RenameMailbox(f.ctx, "Nowhere", "Elsewhere"), store.ErrMailboxNotFound)
}

// testDelete: a mailbox holding messages is not deleted; an empty one is,
// and then cannot be opened.
func testDelete(f *fixture) {
	f.create("Trash/Old")
	mb, err := f.st.OpenMailbox(f.ctx, "Trash/Old")
	if err != nil {
		f.t.Fatalf("OpenMailbox: %v", err)
	}
	uids := f.appendN(mb, "del", 2)
	f.wantErr("DeleteMailbox non-empty", f.st.DeleteMailbox(f.ctx, "Trash/Old"), store.ErrMailboxNotEmpty)
	if n := len(f.list(mb, store.ListOptions{})); n != 2 {
		f.t.Fatalf("refused delete left %d messages, want 2", n)
	}
	if err := mb.Expunge(f.ctx, uids); err != nil {
		f.t.Fatalf("Expunge: %v", err)
	}
	if err := mb.Close(); err != nil {
		f.t.Fatalf("Close: %v", err)
	}
	if err := f.st.DeleteMailbox(f.ctx, "Trash/Old"); err != nil {
		f.t.Fatalf("DeleteMailbox empty: %v", err)
	}
	if _, ok := f.mailboxes()["Trash/Old"]; ok {
		f.t.Errorf("deleted mailbox still listed")
	}
	_, err = f.st.OpenMailbox(f.ctx, "Trash/Old")
	f.wantErr("OpenMailbox deleted", err, store.ErrMailboxNotFound)
	f.wantErr("DeleteMailbox missing", f.st.DeleteMailbox(f.ctx, "Trash/Old"), store.ErrMailboxNotFound)
}

func keys(m map[string]store.MailboxInfo) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
