//go:build !race

package statedb

// raceEnabled reports whether the test binary was built with -race.
const raceEnabled = false
