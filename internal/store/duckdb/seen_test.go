package duckdb

import (
	"fmt"
	"testing"
)

func TestSeenFilterNoFalseNegatives(t *testing.T) {
	var f seenFilter
	const n = 300_000
	for i := range n {
		f.add(fmt.Sprintf("e-%d", i))
	}
	for i := range n {
		if !f.mayContain(fmt.Sprintf("e-%d", i)) {
			t.Fatalf("e-%d was added but the filter says no", i)
		}
	}
	fp := 0
	for i := range n {
		if f.mayContain(fmt.Sprintf("x-%d", i)) {
			fp++
		}
	}
	// Each part aims at 1e-5; a few parts together stay far under 1e-3.
	if fp > n/1000 {
		t.Errorf("false positives = %d of %d, want under 0.1%%", fp, n)
	}
	if len(f.parts) < 3 {
		t.Errorf("parts = %d, want the filter to have grown", len(f.parts))
	}
}
