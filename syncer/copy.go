package syncer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// copyJob is one message of a copy batch.
type copyJob struct {
	msg    store.Message
	intent statedb.IntentID
	uid    store.UID // on the target; 0 until known
	done   bool      // appended
	unsure bool      // the append failed in a way that leaves its outcome unknown
}

// copyAll copies the plan's new messages, far ones first, in batches of
// at most BatchMessages messages and BatchBytes bytes.
func (r *mailboxRun) copyAll(ctx context.Context, copies []Copy) error {
	for from := Far; from <= Near; from++ {
		var batch []store.Message
		var bytes int64
		for _, c := range copies {
			if c.From != from {
				continue
			}
			batch = append(batch, c.Msg)
			bytes += c.Msg.Size
			if len(batch) >= r.e.opts.BatchMessages || bytes >= r.e.opts.BatchBytes {
				if err := r.copyBatch(ctx, from, batch); err != nil {
					return err
				}
				batch, bytes = nil, 0
			}
		}
		if len(batch) > 0 {
			if err := r.copyBatch(ctx, from, batch); err != nil {
				return err
			}
		}
	}
	return nil
}

// copyBatch copies msgs from side from to the other side, intent before
// effect:
//
//  1. one transaction records an intent per message;
//  2. the bodies stream from the source's FetchBodies into the target's
//     Append, one message at a time (never a whole batch in memory);
//  3. one transaction notes in the intents the UIDs the target gave, then
//     one Flush makes the batch durable on the target;
//  4. appends whose UID the target could not tell are looked up (Find);
//  5. one transaction resolves every intent into its pair (or drops it
//     when the message could not be copied: it will be planned again).
//
// A crash anywhere leaves intents that the next run resolves first
// (recoverIntents): nothing is copied twice, nothing is lost. When the
// transfer stops early (Ctrl-C, a lost connection), what was appended is
// still made durable and recorded, so an interrupted run keeps its work;
// the one append whose outcome is unknown keeps its intent for recovery.
func (r *mailboxRun) copyBatch(ctx context.Context, from Side, msgs []store.Message) error {
	to := from.Other()
	jobs := make([]copyJob, len(msgs))
	for i, m := range msgs {
		jobs[i].msg = m
		if m.Replaces != 0 {
			r.holdReplaced(from, m.Replaces)
		}
	}
	defer r.releaseReplaced(from, jobs)
	if err := r.addCopyIntents(ctx, from, jobs); err != nil {
		return err
	}
	minUID := r.box[to].Status().UIDNext
	terr := r.transfer(ctx, from, jobs)
	if terr != nil && !slices.ContainsFunc(jobs, func(j copyJob) bool { return j.done }) {
		return terr // nothing appended: the intents stay for recovery
	}
	keep := context.WithoutCancel(ctx) // record what is done even after Ctrl-C
	if err := r.noteTargets(keep, jobs); err != nil {
		return errors.Join(terr, err)
	}
	if err := r.box[to].Flush(keep); err != nil {
		return errors.Join(terr, fmt.Errorf("flush %s mailbox %q: %w", to, r.names[to], err))
	}
	if terr == nil {
		if err := r.findUnknown(ctx, to, jobs, minUID); err != nil {
			return err
		}
	}
	if err := r.resolveCopies(keep, from, jobs, terr != nil); err != nil {
		return errors.Join(terr, err)
	}
	return terr
}

// noteTargets records, in one transaction, the UIDs the target gave the
// batch's copies, before the Flush makes them durable. After a crash
// between the Flush and the resolution, recovery then knows which UID was
// the copy: one the user deleted (or moved) meanwhile counts as delivered
// and deleted, not as never delivered — its deletion is carried over
// instead of the message being copied again.
func (r *mailboxRun) noteTargets(ctx context.Context, jobs []copyJob) error {
	n := 0
	for _, j := range jobs {
		if j.done && j.uid != 0 {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	return r.e.update(ctx, func(tx *statedb.Tx) error {
		for _, j := range jobs {
			if j.done && j.uid != 0 {
				if err := tx.SetIntentTarget(j.intent, uint32(j.uid)); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// copyKind is the intent kind of a copy from side from.
func copyKind(from Side) statedb.IntentKind {
	if from == Far {
		return statedb.IntentCopyToNear
	}
	return statedb.IntentCopyToFar
}

// addCopyIntents commits one intent per job in one transaction. Each
// records the target's UIDNEXT as it stands before these appends: the
// floor from which an interrupted copy is searched for.
func (r *mailboxRun) addCopyIntents(ctx context.Context, from Side, jobs []copyJob) error {
	floor := uint32(r.box[from.Other()].Status().UIDNext)
	return r.e.update(ctx, func(tx *statedb.Tx) error {
		for i := range jobs {
			m := jobs[i].msg
			id, err := tx.AddIntent(statedb.Intent{
				Mailbox: r.row.ID, Kind: copyKind(from), Source: dbSide[from], SourceUID: uint32(m.UID),
				MessageID: m.MessageID, Size: max(m.Size, 0), InternalDate: m.InternalDate,
				HeaderHash: hashBytes(m.HeaderHash), SearchFloor: floor,
			})
			if err != nil {
				return err
			}
			jobs[i].intent = id
		}
		return nil
	})
}

// transfer streams the bodies from side from into appends on the other.
// A message-level failure skips that message; anything larger stops.
func (r *mailboxRun) transfer(ctx context.Context, from Side, jobs []copyJob) error {
	to := from.Other()
	byUID := make(map[store.UID]*copyJob, len(jobs))
	uids := make([]store.UID, len(jobs))
	for i := range jobs {
		byUID[jobs[i].msg.UID] = &jobs[i]
		uids[i] = jobs[i].msg.UID
	}
	err := r.box[from].FetchBodies(ctx, uids, func(meta store.Message, body io.Reader) error {
		j := byUID[meta.UID]
		if j == nil {
			return nil
		}
		var sniff *headSniffer
		if r.e.listensForActions() {
			sniff = &headSniffer{r: body}
			body = sniff
		}
		uid, err := r.box[to].Append(ctx, store.NewMessage{
			Flags: j.msg.Flags, InternalDate: j.msg.InternalDate, Size: j.msg.Size,
			Body: body, MessageID: j.msg.MessageID, Labels: j.msg.Labels,
		})
		if err != nil {
			j.unsure = store.ScopeOf(err) != store.ScopeMessage
			return r.messageFailed(err, fmt.Sprintf("copy %s UID %d to %s", from, meta.UID, to))
		}
		j.uid, j.done = uid, true
		r.assigned[to] = max(r.assigned[to], uid)
		r.rep.New[to]++
		r.rep.Bytes[to] += j.msg.Size
		r.e.obs.Progress(r.name, to, j.msg.Size)
		if sniff != nil {
			r.actCopy(from, j.msg, uid, sniff.subject())
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("copy from %s mailbox %q: %w", from, r.names[from], err)
	}
	return nil
}

// messageFailed reports a message-level error and swallows it; a larger
// one is returned to stop the mailbox.
func (r *mailboxRun) messageFailed(err error, what string) error {
	if store.ScopeOf(err) != store.ScopeMessage {
		return err
	}
	r.failed = true
	r.rep.Failed++
	r.e.warn(r.name, fmt.Sprintf("%s: skipped: %v", what, err))
	return nil
}

// findUnknown looks up the target UIDs that Append could not tell.
func (r *mailboxRun) findUnknown(ctx context.Context, to Side, jobs []copyJob, minUID store.UID) error {
	taken := map[store.UID]bool{}
	for i := range jobs {
		if jobs[i].uid != 0 {
			taken[jobs[i].uid] = true
		}
	}
	fd := r.newFinder(to, minUID)
	for i := range jobs {
		j := &jobs[i]
		if !j.done || j.uid != 0 {
			continue
		}
		f, err := r.locate(ctx, fd, store.IdentityOf(j.msg), taken, minUID)
		if err != nil {
			return err
		}
		j.uid = f.UID
		taken[f.UID] = f.UID != 0
		r.assigned[to] = max(r.assigned[to], f.UID)
	}
	return nil
}

// finder locates copies on one side at or above a UID from one listing
// of that range, so resolving many messages — a batch appended without
// UIDPLUS, or the intents a crashed run left — costs one listing instead of
// one search per message.
type finder struct {
	r      *mailboxRun
	to     Side
	minUID store.UID
	byKey  map[string][]store.Message // by Identity.Key; nil until loaded
	byUID  map[store.UID]store.Message
}

func (r *mailboxRun) newFinder(to Side, minUID store.UID) *finder {
	return &finder{r: r, to: to, minUID: minUID}
}

// load lists the side from minUID, indexing each message by its identity.
func (f *finder) load(ctx context.Context) error {
	f.byKey, f.byUID = map[string][]store.Message{}, map[store.UID]store.Message{}
	opts := store.ListOptions{MinUID: f.minUID, WithMessageID: true}
	return f.r.box[f.to].List(ctx, opts, func(ms []store.Message) error {
		for _, m := range ms {
			m = copyMessage(m)
			f.byUID[m.UID] = m
			if k := store.IdentityOf(m).Key; k != "" {
				f.byKey[k] = append(f.byKey[k], m)
			}
		}
		return nil
	})
}

// locate finds the copy of a message of identity id on the finder's side,
// at or above floor, that no pair and no entry of taken claims; its UID is
// 0 when there is none. A copy of the same identity (store.Identity.Same) is taken first;
// failing that, the one unclaimed copy with the same Message-ID or header
// hash but another size (a server may store a message with another size
// than it was sent with: the listing starts where the copy started, so
// such a message is the copy). Several such candidates are ambiguous:
// none is taken.
func (r *mailboxRun) locate(ctx context.Context, f *finder, id store.Identity, taken map[store.UID]bool, floor store.UID) (store.Message, error) {
	if !id.Known() {
		return store.Message{}, nil
	}
	if f.byKey == nil {
		if err := f.load(ctx); err != nil {
			return store.Message{}, fmt.Errorf("find copy in %s mailbox %q: %w", f.to, r.names[f.to], err)
		}
	}
	var like []store.Message
	for _, c := range f.byKey[id.Key] {
		if taken[c.UID] || c.UID < floor {
			continue
		}
		paired, err := r.paired(ctx, f.to, c.UID)
		if err != nil {
			return store.Message{}, err
		}
		switch {
		case paired:
		case store.IdentityOf(c).Same(id):
			return c, nil
		default:
			like = append(like, c)
		}
	}
	if len(like) == 1 {
		return like[0], nil
	}
	return store.Message{}, nil
}

// paired reports whether a pair of this mailbox has uid on side s.
func (r *mailboxRun) paired(ctx context.Context, s Side, uid store.UID) (bool, error) {
	var ok bool
	err := r.e.db.View(ctx, func(tx *statedb.Tx) error {
		var err error
		_, ok, err = pairBySide(tx, r.row.ID, s, uid)
		return err
	})
	return ok, err
}

// resolveCopies turns the batch's intents into pairs in one transaction.
// Intents of messages not copied are dropped (planned again next run);
// those of messages appended but not found again stay pending for the next
// run's recovery, so a slow-to-index server cannot cause a duplicate.
func (r *mailboxRun) resolveCopies(ctx context.Context, from Side, jobs []copyJob, stopped bool) error {
	lost := 0
	err := r.e.update(ctx, func(tx *statedb.Tx) error {
		lost = 0
		for _, j := range jobs {
			if j.unsure || (stopped && j.done && j.uid == 0) {
				continue // outcome or UID unknown: recovery resolves it
			}
			if j.done && j.uid == 0 {
				lost++ // keep the intent: the next run looks again
				continue
			}
			if !j.done {
				if err := tx.DropIntent(j.intent); err != nil {
					return err
				}
				continue
			}
			p := pairFromMessage(from, j.msg, j.uid)
			dp, err := toDB(r.row.ID, p)
			if err != nil {
				return err
			}
			if _, err := tx.ResolveIntent(j.intent, dp); err != nil {
				return err
			}
		}
		return nil
	})
	if lost > 0 {
		r.failed = true
		r.e.warn(r.name, fmt.Sprintf("%d appended messages could not be found again in %s mailbox %q; the next run checks again",
			lost, from.Other(), r.names[from.Other()]))
	}
	return err
}

// holdReplaced notes that the pair whose side-from UID is old must keep
// its copies until the message replacing it (an edit, store.Message.
// Replaces) is copied: deleting it first would leave the other side
// without the message.
func (r *mailboxRun) holdReplaced(from Side, old store.UID) {
	if r.unsent[from] == nil {
		r.unsent[from] = map[store.UID]bool{}
	}
	r.unsent[from][old] = true
}

// releaseReplaced lets go of the pairs replaced by the jobs that were copied.
func (r *mailboxRun) releaseReplaced(from Side, jobs []copyJob) {
	for _, j := range jobs {
		if j.done && j.msg.Replaces != 0 {
			delete(r.unsent[from], j.msg.Replaces)
		}
	}
}
