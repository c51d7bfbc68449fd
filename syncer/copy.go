package syncer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

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
//  3. one Flush makes the batch durable on the target;
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
	}
	if err := r.addCopyIntents(ctx, from, jobs); err != nil {
		return err
	}
	minUID := r.box[to].Status().UIDNext
	terr := r.transfer(ctx, from, jobs)
	if terr != nil && !slices.ContainsFunc(jobs, func(j copyJob) bool { return j.done }) {
		return terr // nothing appended: the intents stay for recovery
	}
	keep := context.WithoutCancel(ctx) // record what is done even after Ctrl-C
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

// copyKind is the intent kind of a copy from side from.
func copyKind(from Side) statedb.IntentKind {
	if from == Far {
		return statedb.IntentCopyToNear
	}
	return statedb.IntentCopyToFar
}

// addCopyIntents commits one intent per job in one transaction.
func (r *mailboxRun) addCopyIntents(ctx context.Context, from Side, jobs []copyJob) error {
	return r.e.update(ctx, func(tx *statedb.Tx) error {
		for i := range jobs {
			m := jobs[i].msg
			id, err := tx.AddIntent(statedb.Intent{
				Mailbox: r.row.ID, Kind: copyKind(from), Source: dbSide[from], SourceUID: uint32(m.UID),
				MessageID: m.MessageID, Size: max(m.Size, 0), InternalDate: m.InternalDate,
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
		f, err := r.locate(ctx, fd, j.msg, taken)
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
	byKey  map[findKey][]store.Message // nil until loaded
}

// findKey is what Store.Find matches: Message-ID and size, or, for a
// message without a Message-ID, size and INTERNALDATE to the second.
type findKey struct {
	id   string
	size int64
	date int64
}

func (r *mailboxRun) newFinder(to Side, minUID store.UID) *finder {
	return &finder{r: r, to: to, minUID: minUID}
}

func keyOf(m store.Message) findKey {
	if id := strings.Trim(m.MessageID, "<>"); id != "" {
		return findKey{id: id, size: m.Size}
	}
	return findKey{size: m.Size, date: m.InternalDate.Unix()}
}

// load lists the side from minUID, indexing each message under both keys
// it can be asked by.
func (f *finder) load(ctx context.Context) error {
	f.byKey = map[findKey][]store.Message{}
	opts := store.ListOptions{MinUID: f.minUID, WithMessageID: true}
	return f.r.box[f.to].List(ctx, opts, func(ms []store.Message) error {
		for _, m := range ms {
			m.Flags, m.Labels = slices.Clone(m.Flags), slices.Clone(m.Labels)
			if id := strings.Trim(m.MessageID, "<>"); id != "" {
				k := findKey{id: id, size: m.Size}
				f.byKey[k] = append(f.byKey[k], m)
			}
			k := findKey{size: m.Size, date: m.InternalDate.Unix()}
			f.byKey[k] = append(f.byKey[k], m)
		}
		return nil
	})
}

// locate finds the copy of m on the finder's side that no pair and no
// entry of taken claims; its UID is 0 when there is none.
func (r *mailboxRun) locate(ctx context.Context, f *finder, m store.Message, taken map[store.UID]bool) (store.Message, error) {
	if f.byKey == nil {
		if err := f.load(ctx); err != nil {
			return store.Message{}, fmt.Errorf("find copy of %s UID %d in %s mailbox %q: %w", f.to.Other(), m.UID, f.to, r.names[f.to], err)
		}
	}
	for _, c := range f.byKey[keyOf(m)] {
		if taken[c.UID] {
			continue
		}
		var paired bool
		err := r.e.db.View(ctx, func(tx *statedb.Tx) error {
			_, ok, err := pairBySide(tx, r.row.ID, f.to, c.UID)
			paired = ok
			return err
		})
		if err != nil {
			return store.Message{}, err
		}
		if !paired {
			return c, nil
		}
	}
	return store.Message{}, nil
}

// resolveCopies turns the batch's intents into pairs in one transaction.
// Intents of messages not copied are dropped (planned again next run);
// those of messages appended but not found again stay pending for the next
// run's recovery, so a slow-to-index server cannot cause a duplicate.
func (r *mailboxRun) resolveCopies(ctx context.Context, from Side, jobs []copyJob, stopped bool) error {
	lost := 0
	err := r.e.update(ctx, func(tx *statedb.Tx) error {
		lost = 0
		var bump uidBump
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
			bump.add(p)
			if _, err := tx.ResolveIntent(j.intent, dp); err != nil {
				return err
			}
		}
		return bump.apply(tx, r.row.ID)
	})
	if lost > 0 {
		r.failed = true
		r.e.warn(r.name, fmt.Sprintf("%d appended messages could not be found again in %s mailbox %q; the next run checks again",
			lost, from.Other(), r.names[from.Other()]))
	}
	return err
}
