package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/backstory-dev/backstory/internal/demo"
	"github.com/backstory-dev/backstory/internal/event"
)

// IngestResult is the throughput of one ingest endpoint.
type IngestResult struct {
	Endpoint string `json:"endpoint"`
	// BatchEvents is the most events one request carries.
	BatchEvents int `json:"batchEvents"`
	Clients     int `json:"clients"`
	// EventsPerRun is how many events each run sends.
	EventsPerRun int `json:"eventsPerRun"`
	RequestsRun  int `json:"requestsPerRun"`
	// Rates are the stored events per second of each run; Rate is
	// their median.
	Rates []float64 `json:"eventsPerSecRuns"`
	Rate  float64   `json:"eventsPerSec"`
	// P50Ms and P99Ms are request latencies over every run.
	P50Ms float64 `json:"p50Ms"`
	P99Ms float64 `json:"p99Ms"`
	// Cores is the median of the runs' process CPU time over wall time:
	// how many cores the server, the clients and DuckDB kept busy.
	Cores float64 `json:"coresBusy"`
	// Acked is how many events the answers acknowledged; Stored is how
	// many the store holds afterwards. They must match.
	Acked  int64 `json:"acked"`
	Stored int64 `json:"stored"`
	// StoreRate is the engine's own ceiling for the same rows: DuckDB
	// inserting them, already built, from a table into one of the events
	// table's shape, BatchEvents rows a commit; 0 when not measured.
	StoreRate float64 `json:"storeInsertEventsPerSec,omitempty"`
}

// liveStart is where the ingested events' clock starts: after the data
// set, as live traffic would be.
var liveStart = dataEnd.Add(time.Hour)

// measureIngest sends cfg.IngestEvents generated events through each
// endpoint over loopback HTTP and times the answers. Every answer comes
// after the store committed the batch.
func measureIngest(ctx context.Context, srv *server, cfg Config) ([]IngestResult, error) {
	perRun := max(1, cfg.IngestEvents/cfg.Runs)
	if err := clearIngestOrg(ctx, srv); err != nil {
		return nil, err
	}
	v2Runs, recRuns, err := ingestBodies(cfg, perRun)
	if err != nil {
		return nil, err
	}
	runtime.GC()

	v2 := IngestResult{Endpoint: "POST /v2/events/batch", Clients: cfg.Clients,
		EventsPerRun: perRun, BatchEvents: min(cfg.BatchSize, perRun)}
	var v2Lat []time.Duration
	var v2Cores, recCores []float64
	for run, r := range v2Runs {
		progress(cfg, "ingest v2 batch", "run", run+1, "events", perRun)
		st, err := srv.send(ctx, "/v2/events/batch", srv.ingestKey, r.bodies,
			r.counts, cfg, profileName(cfg, run, "ingest-v2"))
		if err != nil {
			return nil, err
		}
		v2.RequestsRun = len(r.bodies)
		v2.Rates = append(v2.Rates, rate(float64(st.acked), st.took))
		v2.Acked += st.acked
		v2Lat = append(v2Lat, st.latencies...)
		v2Cores = append(v2Cores, st.cores)
	}
	v2.Rate, v2.Cores = median(v2.Rates), median(v2Cores)
	v2.P50Ms, v2.P99Ms = percentileMs(v2Lat, 50), percentileMs(v2Lat, 99)
	if v2.Stored, err = countEvents(ctx, srv, "srv-%"); err != nil {
		return nil, err
	}
	if v2.StoreRate, err = storeInsertRate(ctx, srv, "srv-%", v2.BatchEvents); err != nil {
		return nil, err
	}

	rec := IngestResult{Endpoint: "POST /rec/events", Clients: cfg.Clients,
		EventsPerRun: perRun, BatchEvents: recBatchMax}
	var recLat []time.Duration
	for run, r := range recRuns {
		progress(cfg, "ingest browser batches", "run", run+1, "events", perRun)
		st, err := srv.send(ctx, "/rec/events", "", r.bodies, r.counts, cfg,
			profileName(cfg, run, "ingest-rec"))
		if err != nil {
			return nil, err
		}
		rec.RequestsRun = len(r.bodies)
		rec.Rates = append(rec.Rates, rate(float64(st.acked), st.took))
		rec.Acked += st.acked
		recLat = append(recLat, st.latencies...)
		recCores = append(recCores, st.cores)
	}
	rec.Rate, rec.Cores = median(rec.Rates), median(recCores)
	rec.P50Ms, rec.P99Ms = percentileMs(recLat, 50), percentileMs(recLat, 99)
	if rec.Stored, err = countEvents(ctx, srv, "demo-%"); err != nil {
		return nil, err
	}
	return []IngestResult{v2, rec}, nil
}

// requestRun is the encoded requests of one run and the events each
// should store.
type requestRun struct {
	bodies [][]byte
	counts []int
}

// ingestBodies encodes every request of every run of both endpoints
// before any is sent, and lets the generated records go: held while the
// server works, their millions of small maps made each of its garbage
// collections scan the bench's heap, a cost a server does not have.
func ingestBodies(cfg Config, perRun int) (v2, rec []requestRun, err error) {
	recs, uids, err := ingestRecords(cfg, 2*perRun*cfg.Runs)
	if err != nil {
		return nil, nil, err
	}
	for run := range cfg.Runs {
		var r requestRun
		for b := range slices.Chunk(recs[run*perRun:(run+1)*perRun], cfg.BatchSize) {
			raw, err := v2Body(b, uids)
			if err != nil {
				return nil, nil, err
			}
			r.bodies, r.counts = append(r.bodies, raw), append(r.counts, len(b))
		}
		v2 = append(v2, r)
	}
	recRecs := recs[perRun*cfg.Runs:]
	for run := range cfg.Runs {
		var r requestRun
		r.bodies, r.counts, err = recBodies(recRecs[run*perRun:(run+1)*perRun], uids)
		if err != nil {
			return nil, nil, err
		}
		rec = append(rec, r)
	}
	return v2, rec, nil
}

// ingestRecords generates n events for the ingest org, retimed one
// millisecond apart from liveStart, and the uid a client would send for
// each person.
func ingestRecords(cfg Config, n int) ([]event.Record, map[int64]string, error) {
	recs := make([]event.Record, 0, n)
	uids := map[int64]string{}
	err := demo.Generate(demo.Options{Seed: cfg.Seed + 1_000_003,
		People: n/40 + 10, Org: ingestOrg, Now: dataEnd},
		func(p event.Person, _ []demo.DeviceOf) error {
			uid := anonUID(p.IndvID)
			if p.UID != nil {
				uid = *p.UID
			}
			uids[int64(p.IndvID)] = uid
			return nil
		},
		func(b []event.Record) error {
			recs = append(recs, b[:min(len(b), n-len(recs))]...)
			if len(recs) == n {
				return errStop
			}
			return nil
		})
	if err != nil && !errors.Is(err, errStop) {
		return nil, nil, err
	}
	if len(recs) < n {
		return nil, nil, fmt.Errorf("generated %d ingest events, want %d", len(recs), n)
	}
	for i, r := range recs {
		r.Values["EventStart"] = liveStart.Add(time.Duration(i) * time.Millisecond)
	}
	return recs, uids, nil
}

// sendStats is one run of requests.
type sendStats struct {
	cores     float64
	acked     int64
	took      time.Duration
	latencies []time.Duration
}

// send posts the bodies from cfg.Clients concurrent clients and counts
// the acknowledged events: counts[i] for a v2 batch, the answer's
// "stored" for a browser batch.
func (s *server) send(ctx context.Context, path, key string, bodies [][]byte,
	counts []int, cfg Config, profile string) (sendStats, error) {
	var st sendStats
	var mu sync.Mutex
	var firstErr error
	next := make(chan int)
	var wg sync.WaitGroup

	stopProfile, err := startProfile(profile)
	if err != nil {
		return st, err
	}
	use := watchUsage()
	start := time.Now()
	for range cfg.Clients {
		wg.Go(func() {
			for i := range next {
				t := time.Now()
				n, err := s.post(ctx, path, key, bodies[i], counts[i])
				d := time.Since(t)
				mu.Lock()
				st.acked += int64(n)
				st.latencies = append(st.latencies, d)
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		})
	}
	for i := range bodies {
		next <- i
	}
	close(next)
	wg.Wait()
	st.took = time.Since(start)
	st.cores = use.stop().CPUSeconds / st.took.Seconds()
	stopProfile()
	return st, firstErr
}

// post sends one ingest request and returns the events it acknowledged.
func (s *server) post(ctx context.Context, path, key string, body []byte, count int) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url+path,
		bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Basic "+key)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("POST %s: HTTP %d: %.200s", path, resp.StatusCode, raw)
	}
	if path != "/rec/events" {
		return count, nil
	}
	var ans struct{ Stored int }
	if err := json.Unmarshal(raw, &ans); err != nil {
		return 0, fmt.Errorf("POST %s: %w", path, err)
	}
	return ans.Stored, nil
}

// countEvents counts the ingest org's stored events whose id is LIKE
// pattern.
func countEvents(ctx context.Context, srv *server, pattern string) (int64, error) {
	var n int64
	err := srv.db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM events"+
		" WHERE org_id = ? AND event_id LIKE ?", string(ingestOrg), pattern).Scan(&n)
	return n, err
}

// storeInsertRate times DuckDB inserting the ingest org's stored events
// whose ids match pattern into a new table of the events table's shape,
// batch rows a transaction: what the engine itself does with rows that
// need no decoding, placing or building.
func storeInsertRate(ctx context.Context, srv *server, pattern string, batch int) (float64, error) {
	conn, err := srv.db.SQL().Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	exec := func(q string, args ...any) error {
		_, err := conn.ExecContext(ctx, q, args...)
		return err
	}
	defer exec("DROP TABLE IF EXISTS bench_insert")
	defer exec("DROP TABLE IF EXISTS bench_insert_source")
	if err := exec(`CREATE OR REPLACE TABLE bench_insert_source AS
		SELECT row_number() OVER () AS n, * FROM events
		WHERE org_id = ? AND event_id LIKE ?`, string(ingestOrg), pattern); err != nil {
		return 0, fmt.Errorf("insert baseline: %w", err)
	}
	if err := exec("CREATE OR REPLACE TABLE bench_insert AS FROM events LIMIT 0"); err != nil {
		return 0, fmt.Errorf("insert baseline: %w", err)
	}
	var rows int64
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM bench_insert_source").Scan(&rows); err != nil {
		return 0, err
	}
	start := time.Now()
	for lo := int64(0); lo < rows; lo += int64(batch) {
		err := exec(`INSERT INTO bench_insert SELECT * EXCLUDE (n)
			FROM bench_insert_source WHERE n > ? AND n <= ?`, lo, lo+int64(batch))
		if err != nil {
			return 0, fmt.Errorf("insert baseline: %w", err)
		}
	}
	return rate(float64(rows), time.Since(start)), nil
}

// clearIngestOrg empties the ingest org, so that a reused data folder
// measures fresh events rather than acknowledged duplicates.
func clearIngestOrg(ctx context.Context, srv *server) error {
	for _, table := range []string{"events", "people", "devices"} {
		_, err := srv.db.SQL().ExecContext(ctx, "DELETE FROM "+table+
			" WHERE org_id = ?", string(ingestOrg))
		if err != nil {
			return fmt.Errorf("clear ingest org: %w", err)
		}
	}
	return nil
}
