//go:build race

package inception

// raceEnabled trims the slowest tests under the race detector, which makes the
// network's arithmetic about ten times slower.
const raceEnabled = true
