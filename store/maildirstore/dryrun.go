package maildirstore

import "sync"

// Under Options.DryRun the store changes nothing in the Maildir tree: a
// scan indexes what it sees (in the state database, which a dry run
// keeps in a scratch copy) and reports the listing a real scan would,
// but the renames and removals a real scan makes as side effects are
// only remembered, for the rest of the store's life:
//
//   - a copied file (a unique name the index holds in another folder,
//     still there) keeps its name on disk; it is indexed under the fresh
//     unique name a real scan would have renamed it to (an alias);
//   - a file coming back after its message was expunged is not removed
//     again; it is hidden from later scans, as if removed.
//
// Later scans see the folder through these (dryView.apply), so one dry run
// plans from what the real run's first scan would have left.
type dryView struct {
	mu sync.Mutex
	// alias maps folder path + "\x00" + unique name on disk to the unique
	// name it is indexed under; "" hides the file.
	alias map[string]string
}

func dryKey(folder, unique string) string { return folder + "\x00" + unique }

// set records that the file of unique name unique in folder is indexed
// as as ("" hides it).
func (v *dryView) set(folder, unique, as string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.alias == nil {
		v.alias = map[string]string{}
	}
	v.alias[dryKey(folder, unique)] = as
}

// apply returns the unique name a file of folder is indexed under, and
// false when the file is hidden.
func (v *dryView) apply(folder, unique string) (string, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	as, ok := v.alias[dryKey(folder, unique)]
	if !ok {
		return unique, true
	}
	return as, as != ""
}
