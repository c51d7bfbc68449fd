package syncer

import (
	"context"

	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// linkCopy carries out job j (a copy from side from) as a link when
// Options.LinkCopies allows: a far message whose stable id a pair of
// another mailbox records with a near copy becomes another name of that
// copy on the near side (store.Linker), without its body. It reports
// whether it did; on false the caller copies the body, as for any
// message (a link that fails is only a missed saving).
func (r *mailboxRun) linkCopy(ctx context.Context, from Side, j *copyJob) bool {
	if from != Far || !r.e.opts.LinkCopies || j.msg.EmailID == "" {
		return false
	}
	lk, ok := r.box[Near].(store.Linker)
	if !ok {
		return false
	}
	src, srcUID, ok := r.nearCopyOf(ctx, j.msg.EmailID)
	if !ok {
		return false
	}
	uid, err := lk.AppendLink(ctx, src, srcUID, store.NewMessage{
		Flags: j.msg.Flags, InternalDate: j.msg.InternalDate, Size: j.msg.Size,
		MessageID: j.msg.MessageID, Labels: j.msg.Labels,
	})
	if err != nil {
		r.e.note(r.name, "link to "+src+" not made ("+err.Error()+"); downloading instead")
		return false
	}
	j.uid, j.done = uid, true
	r.assigned[Near] = max(r.assigned[Near], uid)
	r.rep.New[Near]++
	return true
}

// nearCopyOf finds a near copy of the far message with stable id
// emailID in another mailbox pair: that mailbox's near name and UID.
func (r *mailboxRun) nearCopyOf(ctx context.Context, emailID string) (string, store.UID, bool) {
	var name string
	var uid store.UID
	err := r.e.db.View(ctx, func(tx *statedb.Tx) error {
		pairs, err := tx.PairsByEmailID(0, emailID)
		if err != nil {
			return err
		}
		for _, p := range pairs {
			if p.Mailbox == r.row.ID || p.NearUID == 0 || p.FarUID == 0 {
				continue
			}
			mb, ok, err := tx.Mailbox(p.Mailbox)
			if err != nil || !ok || mb.NearName == "" {
				continue
			}
			name, uid = mb.NearName, store.UID(p.NearUID)
			return nil
		}
		return nil
	})
	return name, uid, err == nil && name != ""
}
