//go:build !race

package main

// raceEnabled: the race detector multiplies memory use (5 to 10 times).
const raceEnabled = false
