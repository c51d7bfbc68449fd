package imapstore

import (
	"context"

	"github.com/imapdir/imapdir/imap"
	"github.com/imapdir/imapdir/store"
)

// headerSection is the whole header block (RFC 9051 §6.4.5); PEEK keeps
// \Seen unchanged.
const headerSection = "BODY.PEEK[HEADER]"

// fillHeaderHashes sets Message.HeaderHash (store.Identity) on the
// messages of a listing asked WithMessageID that came without a
// Message-ID, by one UID FETCH of their header blocks. Messages with a
// Message-ID — nearly all — cost nothing more.
func (m *Mailbox) fillHeaderHashes(ctx context.Context, msgs []store.Message) error {
	idx := map[store.UID]int{}
	var uids []imap.UID
	for i, msg := range msgs {
		if msg.MessageID == "" {
			idx[msg.UID] = i
			uids = append(uids, imap.UID(msg.UID))
		}
	}
	if len(uids) == 0 {
		return nil
	}
	res, err := m.cn.c.UIDFetch(ctx, imap.UIDSetOf(uids...), []imap.Value{imap.Raw("UID"), imap.Raw(headerSection)}, nil)
	if err != nil {
		return m.cn.fail(err)
	}
	for _, fd := range res.Messages {
		i, ok := idx[store.UID(fd.UID)]
		sec := fd.Section("BODY[HEADER]")
		if !ok || sec == nil {
			continue
		}
		if text, ok := sec.Text(); ok {
			if id, hh := store.HeaderIdentityBytes([]byte(text)); id == "" {
				msgs[i].HeaderHash = hh
			}
		}
	}
	return nil
}
