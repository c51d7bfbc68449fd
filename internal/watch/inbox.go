package watch

import "sync"

// inbox collects the mailboxes the server side reported changed, for the
// account's loop: producers never block, and many reports of one mailbox
// merge into one.
type inbox struct {
	mu    sync.Mutex
	names map[string]uint64 // mailbox → highest HIGHESTMODSEQ reported (0: unknown)
	full  bool              // a full sync is wanted (reconnection, mailbox created …)
	wake  chan struct{}
}

func newInbox() *inbox {
	return &inbox{names: map[string]uint64{}, wake: make(chan struct{}, 1)}
}

// add reports mailbox changed; modseq is the HIGHESTMODSEQ the server
// reported with the change, 0 when it gave none.
func (b *inbox) add(mailbox string, modseq uint64) {
	b.mu.Lock()
	old, seen := b.names[mailbox]
	if !seen || (old != 0 && (modseq == 0 || modseq > old)) {
		b.names[mailbox] = modseq
	}
	b.mu.Unlock()
	b.signal()
}

// addFull asks for a full sync.
func (b *inbox) addFull() {
	b.mu.Lock()
	b.full = true
	b.mu.Unlock()
	b.signal()
}

func (b *inbox) signal() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// take returns and clears what was reported.
func (b *inbox) take() (names map[string]uint64, full bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	names, full = b.names, b.full
	b.names, b.full = map[string]uint64{}, false
	return names, full
}
