//go:build race

package statedb

// raceEnabled: the race detector slows the transpiled SQLite about 40×, so
// the bulk test uses fewer pairs under -race (the full size runs without it).
const raceEnabled = true
