package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/imapdir/imapdir/store"
)

// baseDate is a fixed INTERNALDATE; tests add minutes to tell messages
// apart. It lies in the past: Dovecot replaces an APPEND date more than two
// hours in the future with the current time (INTERNALDATE_MAX_FUTURE_SECS).
var baseDate = time.Date(2024, 11, 30, 5, 0, 0, 0, time.UTC)

// mail builds a CRLF message with a Message-ID of id@storetest.example and
// the given body.
func mail(id, body string) []byte {
	return []byte("From: Alice <alice@example.org>\r\n" +
		"To: Bob <bob@example.org>\r\n" +
		"Subject: " + id + "\r\n" +
		"Date: Mon, 30 Nov 2026 05:00:00 +0000\r\n" +
		"Message-ID: <" + id + "@storetest.example>\r\n" +
		"\r\n" + body)
}

// msgID is the Message-ID (without brackets) that mail gives id.
func msgID(id string) string { return id + "@storetest.example" }

// open opens name and closes it when the test ends.
func (f *fixture) open(name string) store.Mailbox {
	f.t.Helper()
	mb, err := f.st.OpenMailbox(f.ctx, name)
	if err != nil {
		f.t.Fatalf("OpenMailbox(%q): %v", name, err)
	}
	f.t.Cleanup(func() {
		if err := mb.Close(); err != nil {
			f.t.Errorf("Mailbox.Close(%q): %v", name, err)
		}
	})
	return mb
}

// create creates name or fails the test.
func (f *fixture) create(name string) {
	f.t.Helper()
	if err := f.st.CreateMailbox(f.ctx, name, ""); err != nil {
		f.t.Fatalf("CreateMailbox(%q): %v", name, err)
	}
}

// append adds body with flags and returns its UID, found with Find by
// Message-ID and size when the store cannot tell (no UIDPLUS).
func (f *fixture) append(mb store.Mailbox, body []byte, flags store.Flags, date time.Time) store.UID {
	f.t.Helper()
	uid, err := mb.Append(f.ctx, store.NewMessage{
		Flags: flags, InternalDate: date, Size: int64(len(body)), Body: bytes.NewReader(body),
	})
	if err != nil {
		f.t.Fatalf("Append to %q: %v", mb.Name(), err)
	}
	if err := mb.Flush(f.ctx); err != nil {
		f.t.Fatalf("Flush %q: %v", mb.Name(), err)
	}
	if f.feat.UIDPlus {
		if uid == 0 {
			f.t.Fatalf("Append to %q returned UID 0 but the store claims UIDPlus", mb.Name())
		}
		return uid
	}
	return f.findOne(mb, body)
}

// findOne returns the highest UID whose Message-ID and size match body.
func (f *fixture) findOne(mb store.Mailbox, body []byte) store.UID {
	f.t.Helper()
	id := headerMessageID(body)
	found, err := mb.Find(f.ctx, store.Query{MessageID: id, Size: int64(len(body))})
	if err != nil || len(found) == 0 {
		f.t.Fatalf("Find(%q, %d) in %q: %v, %d found", id, len(body), mb.Name(), err, len(found))
	}
	return found[len(found)-1].UID
}

// headerMessageID extracts the id that mail wrote.
func headerMessageID(body []byte) string {
	_, rest, ok := bytes.Cut(body, []byte("Message-ID: <"))
	if !ok {
		return ""
	}
	id, _, _ := bytes.Cut(rest, []byte(">"))
	return string(id)
}

// appendN adds n small messages named prefix-i and returns their UIDs.
func (f *fixture) appendN(mb store.Mailbox, prefix string, n int) []store.UID {
	f.t.Helper()
	uids := make([]store.UID, n)
	for i := range uids {
		id := fmt.Sprintf("%s-%d", prefix, i)
		uids[i] = f.append(mb, mail(id, "body of "+id+"\r\n"), nil, baseDate.Add(time.Duration(i)*time.Minute))
	}
	return uids
}

// list returns all messages of mb (copied out of the batches).
func (f *fixture) list(mb store.Mailbox, opts store.ListOptions) []store.Message {
	f.t.Helper()
	var out []store.Message
	err := mb.List(f.ctx, opts, func(batch []store.Message) error {
		for _, m := range batch {
			m.Flags = slices.Clone(m.Flags)
			m.Labels = slices.Clone(m.Labels)
			out = append(out, m)
		}
		return nil
	})
	if err != nil {
		f.t.Fatalf("List %q: %v", mb.Name(), err)
	}
	return out
}

// byUID indexes messages by UID.
func byUID(ms []store.Message) map[store.UID]store.Message {
	out := make(map[store.UID]store.Message, len(ms))
	for _, m := range ms {
		out[m.UID] = m
	}
	return out
}

// uidsOf returns the UIDs of ms in order.
func uidsOf(ms []store.Message) []store.UID {
	out := make([]store.UID, len(ms))
	for i, m := range ms {
		out[i] = m.UID
	}
	return out
}

// bodies fetches uids and returns the bytes by UID, checking that each
// delivered message's metadata names a requested UID.
func (f *fixture) bodies(mb store.Mailbox, uids []store.UID) (map[store.UID][]byte, []store.UID) {
	f.t.Helper()
	out := make(map[store.UID][]byte)
	var order []store.UID
	err := mb.FetchBodies(f.ctx, uids, func(m store.Message, r io.Reader) error {
		b, err := io.ReadAll(r)
		if err != nil {
			return fmt.Errorf("read body of uid %d: %w", m.UID, err)
		}
		out[m.UID] = b
		order = append(order, m.UID)
		return nil
	})
	if err != nil {
		f.t.Fatalf("FetchBodies %q %v: %v", mb.Name(), uids, err)
	}
	return out, order
}

// wantErr checks that err wraps sentinel and is a graded *store.Error.
func (f *fixture) wantErr(what string, err, sentinel error) {
	f.t.Helper()
	if err == nil {
		f.t.Errorf("%s: no error, want %v", what, sentinel)
		return
	}
	if !errors.Is(err, sentinel) {
		f.t.Errorf("%s: error %q does not wrap %q", what, err, sentinel)
	}
	var se *store.Error
	if !errors.As(err, &se) {
		f.t.Errorf("%s: error %q is not a *store.Error", what, err)
	}
}

// mailboxNames lists the store's mailbox names and infos by name.
func (f *fixture) mailboxes() map[string]store.MailboxInfo {
	f.t.Helper()
	infos, err := f.st.ListMailboxes(f.ctx)
	if err != nil {
		f.t.Fatalf("ListMailboxes: %v", err)
	}
	out := make(map[string]store.MailboxInfo, len(infos))
	for _, mi := range infos {
		if _, dup := out[mi.Name]; dup {
			f.t.Errorf("ListMailboxes: %q listed twice", mi.Name)
		}
		out[mi.Name] = mi
	}
	return out
}

// flagsString renders flags for messages.
func flagsString(fs store.Flags) string { return "[" + strings.TrimSpace(fs.String()) + "]" }

// stored is what the store keeps of body (Harness.Stored).
func (f *fixture) stored(body []byte) []byte {
	if f.h.Stored == nil {
		return body
	}
	return f.h.Stored(body)
}
