//go:build race

package demo

// raceEnabled reports whether the race detector is on, which makes
// generation an order of magnitude slower.
const raceEnabled = true
