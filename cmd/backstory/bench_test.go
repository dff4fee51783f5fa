package main

import (
	"context"
	"os"
	"testing"

	"github.com/backstory-dev/backstory/internal/bench"
)

// TestMain lets the test binary stand in for the backstory binary: with
// BACKSTORY_TEST_MAIN=1 it runs the command line it was given, which is
// how the bench starts its server process in TestBenchServerProcess.
func TestMain(m *testing.M) {
	if os.Getenv("BACKSTORY_TEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestBenchServerProcess runs the bench's export phase at a tiny size,
// ending with a `serve` process of its own that exports everyone's events
// in two formats and their people while the bench reads its memory, then
// previews the five segments through it.
func TestBenchServerProcess(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("BACKSTORY_TEST_MAIN", "1")
	cfg := bench.Config{Dir: t.TempDir(), Events: 3000, People: 60, Runs: 1,
		Only: []string{bench.PhaseExport}, Formats: []string{"csv", "parquet"},
		MemoryLimit: "256MB", ServerCommand: []string{exe, "serve"}}
	res, err := bench.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	sm := res.ServerMemory
	if sm == nil || len(sm.Exports) != 3 || !sm.Exports[2].Individuals {
		t.Fatalf("server memory = %+v; want two event exports and one of people", sm)
	}
	for _, x := range sm.Exports {
		rowsOK := x.Rows == int64(res.Load.Events)
		if x.Individuals { // a row per person with events
			rowsOK = x.Rows > 0 && x.Rows <= int64(res.Load.People)
		}
		if !rowsOK || x.PeakRSS < sm.StartRSS || sm.StartRSS <= 0 {
			t.Errorf("%s (individuals %v): %d rows of %d events, %d people; peak %d, start %d",
				x.Format, x.Individuals, x.Rows, res.Load.Events, res.Load.People,
				x.PeakRSS, sm.StartRSS)
		}
	}
	if len(sm.Previews) != 5 {
		t.Errorf("previews through the server = %+v, want five", sm.Previews)
	}
	for _, p := range sm.Previews {
		if p.People <= 0 || p.HTTPMs <= 0 {
			t.Errorf("preview %s through the server: %d people in %v ms", p.Segment, p.People, p.HTTPMs)
		}
	}
	for _, tg := range res.Targets {
		if tg.Name == "export rows = preview count" && !tg.Met {
			t.Errorf("rows: %s", tg.Got)
		}
	}
}
