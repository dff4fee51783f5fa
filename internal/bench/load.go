package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/backstory-dev/backstory/internal/demo"
	"github.com/backstory-dev/backstory/internal/event"
)

const (
	// appendBatch is how many generated events go to one AppendEvents
	// call: large enough that the per-call work is amortised, small
	// enough that a batch of records stays near 100 MB.
	appendBatch = 50_000
	// peopleChunk is how many people one SavePeople call stores; one
	// call with 20,000 people ran out of memory under a 1 GB limit.
	peopleChunk = 1000
	// genDays is the range one generator pass covers, as the demo does.
	genDays = 30
)

// LoadResult describes the data set and how it was loaded.
type LoadResult struct {
	Events int `json:"events"`
	People int `json:"people"`
	// Passes is how many generator passes it took: a pass draws every
	// person once over 30 days; later passes add 30 earlier days to the
	// same people.
	Passes int `json:"passes"`
	// Reused is set when the data folder already held this data set.
	Reused        bool    `json:"reused"`
	Seconds       float64 `json:"seconds"`
	AppendSeconds float64 `json:"appendSeconds"`
	// AppendRate is events per second through the store's AppendEvents
	// alone, in batches of appendBatch.
	AppendRate    float64 `json:"appendEventsPerSec"`
	PeopleSeconds float64 `json:"peopleSeconds"`
	PeopleRate    float64 `json:"peoplePerSec"`
	// ClusterSeconds is the time spent rewriting the events in time
	// order (see clusterByTime).
	ClusterSeconds float64 `json:"clusterSeconds"`
	DBBytes        int64   `json:"dbBytes"`
}

// dataset is what a data folder holds, recorded after a complete load.
type dataset struct {
	Events int   `json:"events"`
	People int   `json:"people"`
	Seed   int64 `json:"seed"`
	Passes int   `json:"passes"`
	Loaded int   `json:"loadedPeople"`
	// Layout names how the events are ordered on disk.
	Layout string `json:"layout"`
}

// layout is the current data layout; a folder loaded another way is
// refused rather than measured differently.
const layout = "time-ordered"

func datasetFile(dir string) string { return filepath.Join(dir, "dataset.json") }

// loadData fills dataOrg with the data set, or reuses the one already
// there.
func loadData(ctx context.Context, srv *server, cfg Config) (LoadResult, error) {
	want := dataset{Events: cfg.Events, People: cfg.People, Seed: cfg.Seed,
		Layout: layout}
	if raw, err := os.ReadFile(datasetFile(cfg.Dir)); err == nil {
		var have dataset
		if err := json.Unmarshal(raw, &have); err != nil {
			return LoadResult{}, fmt.Errorf("read %s: %w", datasetFile(cfg.Dir), err)
		}
		if have.Events != want.Events || have.People != want.People ||
			have.Seed != want.Seed || have.Layout != want.Layout {
			return LoadResult{}, fmt.Errorf("%s holds another data set (%d events, "+
				"%d people, seed %d, layout %q); use an empty folder", cfg.Dir,
				have.Events, have.People, have.Seed, have.Layout)
		}
		progress(cfg, "reusing data set", "events", have.Events, "dir", cfg.Dir)
		return LoadResult{Events: have.Events, People: have.Loaded,
			Passes: have.Passes, Reused: true, DBBytes: dbSize(cfg.Dir)}, nil
	}
	var n int64
	err := srv.db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM events").Scan(&n)
	if err != nil {
		return LoadResult{}, err
	}
	if n > 0 {
		return LoadResult{}, fmt.Errorf("%s has events but no %s; use an "+
			"empty folder", cfg.Dir, filepath.Base(datasetFile(cfg.Dir)))
	}

	res, err := generateInto(ctx, srv, cfg)
	if err != nil {
		return res, fmt.Errorf("load data set: %w", err)
	}
	progress(cfg, "sorting the events by time")
	t := time.Now()
	if err := clusterByTime(ctx, srv); err != nil {
		return res, err
	}
	res.ClusterSeconds = time.Since(t).Seconds()
	res.Seconds += res.ClusterSeconds
	want.Passes, want.Loaded = res.Passes, res.People
	raw, _ := json.Marshal(want)
	if err := os.WriteFile(datasetFile(cfg.Dir), raw, 0o640); err != nil {
		return res, err
	}
	res.DBBytes = dbSize(cfg.Dir)
	// The records are garbage now; hand their memory back so that it
	// does not count against the exports' peaks.
	runtime.GC()
	debug.FreeOSMemory()
	return res, nil
}

// generateInto runs the generator until the data set has cfg.Events
// events, appending them with AppendEvents and saving people with
// SavePeople on a second goroutine.
func generateInto(ctx context.Context, srv *server, cfg Config) (LoadResult, error) {
	start := time.Now()
	res := LoadResult{}
	people := make(chan []event.Person, 4)
	saved := make(chan error, 1)
	var peopleTook time.Duration
	go func() {
		var err error
		for chunk := range people {
			if err != nil {
				continue
			}
			t := time.Now()
			err = srv.db.SavePeople(ctx, chunk)
			peopleTook += time.Since(t)
		}
		saved <- err
	}()

	var appendTook time.Duration
	var buf []event.Record
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		t := time.Now()
		n, err := srv.db.AppendEvents(ctx, dataOrg, buf)
		appendTook += time.Since(t)
		if err == nil && n != len(buf) {
			err = fmt.Errorf("stored %d of %d generated events", n, len(buf))
		}
		before := res.Events
		res.Events += len(buf)
		buf = make([]event.Record, 0, appendBatch)
		if before/500_000 != res.Events/500_000 {
			progress(cfg, "loaded", "events", res.Events, "of", cfg.Events)
		}
		return err
	}
	queued := 0
	add := func(recs []event.Record) error {
		if room := cfg.Events - queued; len(recs) > room {
			recs = recs[:room]
		}
		buf = append(buf, recs...)
		queued += len(recs)
		if len(buf) >= appendBatch || queued == cfg.Events {
			if err := flush(); err != nil {
				return err
			}
		}
		if queued == cfg.Events {
			return errStop
		}
		return nil
	}

	var base []event.IndvID // the people of pass 0, in order
	var err error
	for pass := 0; queued < cfg.Events && err == nil; pass++ {
		res.Passes = pass + 1
		err = generatePass(pass, cfg, &base, people, add)
		if errors.Is(err, errStop) {
			err = nil
		}
		if pass == 0 && queued < cfg.Events {
			progress(cfg, "one generator pass is short; adding earlier days",
				"events", queued, "want", cfg.Events)
		}
	}
	if err == nil {
		err = flush()
	}
	close(people)
	if serr := <-saved; err == nil {
		err = serr
	}
	res.People = len(base)
	res.Seconds = time.Since(start).Seconds()
	res.AppendSeconds = appendTook.Seconds()
	res.AppendRate = rate(float64(res.Events), appendTook)
	res.PeopleSeconds = peopleTook.Seconds()
	res.PeopleRate = rate(float64(res.People), peopleTook)
	return res, err
}

// generatePass runs the generator once. Pass 0 draws the people and
// hands them to the people channel; pass k > 0 draws the 30 days before
// pass k-1's and gives its k-th person's sessions to base[k]'s person,
// so the data set keeps cfg.People people whatever its size.
func generatePass(pass int, cfg Config, base *[]event.IndvID,
	people chan<- []event.Person, add func([]event.Record) error) error {
	var pending []event.Person
	onto := map[int64]int64{}
	next := 0
	emitPerson := func(p event.Person, _ []demo.DeviceOf) error {
		if pass == 0 {
			*base = append(*base, p.IndvID)
			pending = append(pending, p)
			if len(pending) == peopleChunk {
				people <- pending
				pending = nil
			}
			return nil
		}
		if next >= len(*base) {
			return errStop
		}
		onto[int64(p.IndvID)] = int64((*base)[next])
		next++
		return nil
	}
	emitEvents := func(recs []event.Record) error {
		if pass > 0 {
			for _, r := range recs {
				r.Values["IndvId"] = onto[r.Values["IndvId"].(int64)]
			}
		}
		return add(recs)
	}
	err := demo.Generate(demo.Options{Seed: cfg.Seed + int64(pass),
		People: cfg.People, Days: genDays, Org: dataOrg,
		Now: dataEnd.Add(-time.Duration(pass*genDays) * 24 * time.Hour)},
		emitPerson, emitEvents)
	if len(pending) > 0 {
		people <- pending
	}
	return err
}

func dbSize(dir string) int64 {
	var n int64
	for _, name := range []string{"backstory.duckdb", "backstory.duckdb.wal"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err == nil {
			n += st.Size()
		}
	}
	return n
}

// rate is n per second over d; 0 for no time.
func rate(n float64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return n / d.Seconds()
}

// clusterByTime rewrites the data set's events in time order. The
// generator emits them person by person, but a store filled by capture,
// or by importing an export file, holds them in about the order they
// happened, and that order is what lets DuckDB skip row groups outside a
// time window (its zone maps). The statements run on the store's own
// table through db.SQL(); the table's definition is kept.
func clusterByTime(ctx context.Context, srv *server) error {
	org := string(dataOrg)
	stmts := []struct {
		sql  string
		args []any
	}{
		{"CREATE TABLE bench_sorted AS SELECT * FROM events WHERE org_id = ?" +
			" ORDER BY event_start, event_id", []any{org}},
		{"DELETE FROM events WHERE org_id = ?", []any{org}},
		{"INSERT INTO events SELECT * FROM bench_sorted", nil},
		{"DROP TABLE bench_sorted", nil},
		{"CHECKPOINT", nil},
	}
	for _, s := range stmts {
		if _, err := srv.db.SQL().ExecContext(ctx, s.sql, s.args...); err != nil {
			return fmt.Errorf("cluster events by time: %w", err)
		}
	}
	return nil
}
