//go:build race

package syncer

// raceEnabled: the race detector slows the pure-Go SQLite down a lot, so
// the widest test tables run a subset.
const raceEnabled = true
