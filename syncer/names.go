package syncer

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/imapdir/imapdir/statedb"
	"github.com/imapdir/imapdir/store"
)

// NameMap pairs far mailboxes with near mailboxes of other names. The
// engine pairs mailboxes by one name, the near one: the far store is seen
// through the map, so a far "Sent Items" is the engine's (and the state's)
// "Sent". A mailbox's children follow it ("Sent Items/2024" is
// "Sent/2024"); Options.Match sees the near names.
type NameMap struct {
	// Explicit maps far names to near names (the config's map key).
	Explicit map[string]string
	// SpecialUse pairs the far mailbox marked \Sent, \Drafts, \Trash,
	// \Junk or \Archive (RFC 6154) with the near "Sent", "Drafts",
	// "Trash", "Junk" or "Archive", whatever its far name, unless an
	// explicit entry names either, another far mailbox has that near name,
	// several far mailboxes carry the same use, or the far mailbox has
	// been synchronized under its own name before (a known pair, or a near
	// mailbox of that name): pairing it anew would copy it a second time.
	SpecialUse bool
}

// specialUseNames are the near names SpecialUse pairs, by special use.
var specialUseNames = map[string]string{
	`\Sent`: "Sent", `\Drafts`: "Drafts", `\Trash`: "Trash", `\Junk`: "Junk", `\Archive`: "Archive",
}

// farNames is a far store seen through a NameMap.
type farNames struct {
	store.Store
	m NameMap

	mu     sync.RWMutex
	toNear map[string]string   // far → near, explicit and learned
	listed []store.MailboxInfo // learn's listing, for the next ListMailboxes
}

func newFarNames(far store.Store, m NameMap) *farNames {
	return &farNames{Store: far, m: m, toNear: copyMap(m.Explicit)}
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// learn lists the far side and settles the map for this run: the
// explicit entries and the special-use pairs that apply.
func (f *farNames) learn(ctx context.Context, near store.Store, db *statedb.DB) error {
	list, err := f.Store.ListMailboxes(ctx)
	if err != nil {
		return fmt.Errorf("list far mailboxes: %w", err)
	}
	toNear := copyMap(f.m.Explicit)
	if f.m.SpecialUse && !f.Store.Features().GmailLabels {
		pairs := specialPairs(list, f.m.Explicit, nil)
		if len(pairs) > 0 { // the state and the near side are asked only then
			known, err := knownNames(ctx, near, db)
			if err != nil {
				return err
			}
			pairs = specialPairs(list, f.m.Explicit, known)
		}
		for far, n := range pairs {
			toNear[far] = n
		}
	}
	if err := checkDistinct(list, toNear); err != nil {
		return err
	}
	if len(f.m.Explicit) > 0 {
		if err := checkNearNames(ctx, near, toNear); err != nil {
			return err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.toNear = toNear
	f.listed = list // the listing discover asks for next
	return nil
}

// knownNames returns the near mailboxes' names and the names the state
// knows on either side.
func knownNames(ctx context.Context, near store.Store, db *statedb.DB) (map[string]bool, error) {
	known := map[string]bool{}
	list, err := near.ListMailboxes(ctx)
	if err != nil {
		return nil, fmt.Errorf("list near mailboxes: %w", err)
	}
	for _, mi := range list {
		known[mi.Name] = true
	}
	err = db.View(ctx, func(tx *statedb.Tx) error {
		rows, err := tx.Mailboxes()
		for _, r := range rows {
			known[r.FarName], known[r.NearName] = true, true
		}
		return err
	})
	return known, err
}

// specialPairs returns the far → near pairs special use gives (see
// NameMap.SpecialUse).
func specialPairs(list []store.MailboxInfo, explicit map[string]string, known map[string]bool) map[string]string {
	byUse := map[string][]string{}
	farHas := map[string]bool{}
	for _, mi := range list {
		farHas[mi.Name] = true
		if _, ok := specialUseNames[mi.SpecialUse]; ok && !mi.NoSelect {
			byUse[mi.SpecialUse] = append(byUse[mi.SpecialUse], mi.Name)
		}
	}
	targets := map[string]bool{}
	for _, n := range explicit {
		targets[n] = true
	}
	out := map[string]string{}
	for use, names := range byUse {
		far, near := names[0], specialUseNames[use]
		_, mapped := explicit[far]
		if len(names) > 1 || far == near || mapped || targets[near] || farHas[near] || known[far] {
			continue
		}
		out[far] = near
	}
	return out
}

// checkDistinct refuses a map under which two far mailboxes would have
// one near name.
func checkDistinct(list []store.MailboxInfo, toNear map[string]string) error {
	seen := map[string]string{}
	for _, mi := range list {
		n := translate(mi.Name, toNear)
		if other, ok := seen[n]; ok {
			return fmt.Errorf("map: the server's mailboxes %q and %q would both be %q locally", other, mi.Name, n)
		}
		seen[n] = mi.Name
	}
	return nil
}

// checkNearNames refuses a near mailbox that has the far name of a mapped
// mailbox (or lies under one): it would be synchronized with that far
// mailbox too, which another near mailbox already is.
func checkNearNames(ctx context.Context, near store.Store, toNear map[string]string) error {
	list, err := near.ListMailboxes(ctx)
	if err != nil {
		return fmt.Errorf("list near mailboxes: %w", err)
	}
	for _, mi := range list {
		if n := translate(mi.Name, toNear); n != mi.Name {
			return fmt.Errorf("map: the local folder %q has the server name that map gives the local %q; rename or remove the local %q", mi.Name, n, mi.Name)
		}
	}
	return nil
}

// translate applies m to name or the parent it descends from, the
// longest entry first.
func translate(name string, m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
	for _, k := range keys {
		if name == k {
			return m[k]
		}
		if rest, ok := strings.CutPrefix(name, k+"/"); ok {
			return m[k] + "/" + rest
		}
	}
	return name
}

// near returns the engine's name of far mailbox name.
func (f *farNames) near(name string) string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return translate(name, f.toNear)
}

// far returns the far name of the engine's name.
func (f *farNames) far(name string) string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	inv := make(map[string]string, len(f.toNear))
	for k, v := range f.toNear {
		inv[v] = k
	}
	return translate(name, inv)
}

// ListMailboxes lists the far mailboxes under their near names.
func (f *farNames) ListMailboxes(ctx context.Context) ([]store.MailboxInfo, error) {
	f.mu.Lock()
	list := f.listed
	f.listed = nil
	f.mu.Unlock()
	var err error
	if list == nil {
		list, err = f.Store.ListMailboxes(ctx)
	}
	for i := range list {
		list[i].Name = f.near(list[i].Name)
	}
	return list, err
}

func (f *farNames) CreateMailbox(ctx context.Context, name, specialUse string) error {
	return f.Store.CreateMailbox(ctx, f.far(name), specialUse)
}

func (f *farNames) DeleteMailbox(ctx context.Context, name string) error {
	return f.Store.DeleteMailbox(ctx, f.far(name))
}

func (f *farNames) RenameMailbox(ctx context.Context, old, new string) error {
	return f.Store.RenameMailbox(ctx, f.far(old), f.far(new))
}

func (f *farNames) OpenMailbox(ctx context.Context, name string) (store.Mailbox, error) {
	b, err := f.Store.OpenMailbox(ctx, f.far(name))
	if err != nil {
		return nil, err
	}
	return &farNamedBox{Mailbox: b, f: f, name: name}, nil
}

// farNamedBox is a far mailbox under its near name.
type farNamedBox struct {
	store.Mailbox
	f    *farNames
	name string
}

func (b *farNamedBox) Name() string { return b.name }

func (b *farNamedBox) Move(ctx context.Context, uids []store.UID, dest string) (map[store.UID]store.UID, error) {
	return b.Mailbox.Move(ctx, uids, b.f.far(dest))
}
