package bench

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/backstory-dev/backstory/internal/segment"
	"github.com/backstory-dev/backstory/internal/store"
)

// tenPercent is the export's narrow segment: signed-in shoppers with an
// example.org address, about a tenth of the events.
const tenPercent = `{"name": "bench: example.org shoppers",
  "definition": {"timeRange": {"all": true}, "criteria": [
    {"user": {"field": "email", "op": "ends_with", "value": "@example.org"}}]}}`

// exportFormat is a format as the API names it, with the DuckDB COPY
// options that write the same format.
type exportFormat struct {
	Name   string // CSV, JSON, NDJSON, Parquet
	API    string
	Copy   string
	Ext    string
	Packed bool // Parquet: compression is inside the file
}

var exportFormats = []exportFormat{
	{"CSV", "FORMAT_CSV", "FORMAT csv, HEADER true", "csv", false},
	{"JSON", "FORMAT_JSON", "FORMAT json, ARRAY true", "json", false},
	{"NDJSON", "FORMAT_NDJSON", "FORMAT json", "ndjson", false},
	{"Parquet", "FORMAT_PARQUET", "FORMAT parquet", "parquet", true},
}

// ExportResult is one export case: a segment, a format, gzip or not.
type ExportResult struct {
	Segment string `json:"segment"`
	Format  string `json:"format"`
	Gzip    bool   `json:"gzip"`
	// Rows is what the export wrote; PreviewRows what the preview
	// counted for the segment; FileRows what the file holds where the
	// bench can count it cheaply (-1 otherwise). All must agree.
	Rows        int64 `json:"rows"`
	PreviewRows int64 `json:"previewRows"`
	FileRows    int64 `json:"fileRows"`
	Bytes       int64 `json:"bytes"`
	// Seconds is the median time from the create request to the
	// operation reading COMPLETED.
	Seconds    float64 `json:"seconds"`
	RowsPerSec float64 `json:"rowsPerSec"`
	MBPerSec   float64 `json:"mbPerSec"`
	// Usage is that of the run with the highest peak RSS.
	Usage Usage `json:"usage"`
	// Copy is DuckDB's COPY of the same SELECT to the same format.
	Copy CopyResult `json:"copy"`
	// PlainGzip is compress/gzip (default level, one goroutine) over a
	// sample of this export's bytes; set for uncompressed text formats.
	PlainGzip *GzipResult `json:"plainGzip,omitempty"`
}

// CopyResult is DuckDB's own export of the rows, fsync included.
type CopyResult struct {
	Rows       int64   `json:"rows"`
	Bytes      int64   `json:"bytes"`
	Seconds    float64 `json:"seconds"`
	RowsPerSec float64 `json:"rowsPerSec"`
	MBPerSec   float64 `json:"mbPerSec"`
	Usage      Usage   `json:"usage"`
	// Error is why COPY failed, when it did (it holds a whole export's
	// sort in memory, so a small memory limit can stop it); the export
	// is still measured.
	Error string `json:"error,omitempty"`
}

// GzipResult is plain gzip's speed on an uncompressed export.
type GzipResult struct {
	SampleBytes int64   `json:"sampleBytes"`
	MBPerSec    float64 `json:"mbPerSec"`
	// RowsPerSec converts MBPerSec with the file's bytes per row.
	RowsPerSec float64 `json:"rowsPerSec"`
}

// StreamResult is the store's ExportEvents into a row function that
// does nothing: the query, its sort and the driver, without encoding.
type StreamResult struct {
	Segment    string  `json:"segment"`
	Rows       int64   `json:"rows"`
	Seconds    float64 `json:"seconds"`
	RowsPerSec float64 `json:"rowsPerSec"`
	Usage      Usage   `json:"usage"`
}

// ExportSet is every export case and the stream floors.
type ExportSet struct {
	Cases  []ExportResult `json:"cases"`
	Stream []StreamResult `json:"stream"`
}

// measureExports runs each format, with and without gzip, for everyone
// and for the narrow segment, beside COPY and plain gzip, adding each
// finished case to set.
func measureExports(ctx context.Context, srv *server, cfg Config, set *ExportSet) error {
	var seg struct{ ID string }
	if err := srv.call(ctx, srv.adminKey, "POST", "/segments/v1",
		[]byte(tenPercent), &seg); err != nil {
		return err
	}
	cols, err := exportColumns(ctx, srv.db)
	if err != nil {
		return err
	}
	for _, segID := range []string{"everyone", seg.ID} {
		name := segID
		if segID != "everyone" {
			name = "10% segment"
		}
		var pre struct{ Events int64 }
		err := srv.call(ctx, srv.adminKey, "POST", "/segments/v1/preview",
			map[string]string{"segmentId": segID}, &pre)
		if err != nil {
			return err
		}
		people, err := srv.people(ctx, segID)
		if err != nil {
			return err
		}
		sel, err := copySelect(cols, people)
		if err != nil {
			return err
		}
		st, err := srv.measureStream(ctx, cfg, name, cols, people)
		if err != nil {
			return err
		}
		set.Stream = append(set.Stream, st)
		for _, f := range exportFormats {
			if !cfg.wantsFormat(f) {
				continue
			}
			for _, gz := range []bool{false, true} {
				c := exportCase{seg: segID, name: name, format: f, gzip: gz,
					sel: sel, previewRows: pre.Events}
				r, err := srv.measureExport(ctx, cfg, c)
				if err != nil {
					return fmt.Errorf("%s %s gzip=%v: %w", name, f.Name, gz, err)
				}
				set.Cases = append(set.Cases, r)
			}
		}
	}
	return nil
}

// people compiles a segment's member query as an export compiles it.
func (s *server) people(ctx context.Context, segID string) (store.Query, error) {
	def, err := s.exports.Segments.Definition(ctx, dataOrg, segID)
	if err != nil {
		return store.Query{}, err
	}
	c, err := segment.Compile(def, segment.CompileOptions{Org: dataOrg, Now: dataEnd})
	return c.People, err
}

type exportCase struct {
	seg, name   string
	format      exportFormat
	gzip        bool
	sel         string
	previewRows int64
	individuals bool // TYPE_INDIVIDUAL: a row per person
}

func (c exportCase) label() string {
	l := c.name + " " + c.format.Name
	if c.gzip {
		l += " gzip"
	}
	return l
}

func (s *server) measureExport(ctx context.Context, cfg Config,
	c exportCase) (ExportResult, error) {
	res := ExportResult{Segment: c.name, Format: c.format.Name, Gzip: c.gzip,
		PreviewRows: c.previewRows, FileRows: -1}
	var secs, copySecs, gzRates []float64
	for run := range cfg.Runs {
		progress(cfg, "export", "case", c.label(), "run", run+1)
		x, err := s.exportOnce(ctx, cfg, c, run)
		if err != nil {
			return res, err
		}
		op := x.op
		res.Rows, res.Bytes = op.Rows, op.Bytes
		secs = append(secs, x.took.Seconds())
		if x.usage.PeakRSS >= res.Usage.PeakRSS {
			res.Usage = x.usage
		}
		path := filepath.Join(s.exports.Files.Dir, op.ID)
		if run == 0 {
			if res.FileRows, err = s.fileRows(ctx, path, c); err != nil {
				return res, err
			}
		}
		if !c.gzip && !c.format.Packed {
			g, err := plainGzip(path, cfg.GzipSample)
			if err != nil {
				return res, err
			}
			gzRates = append(gzRates, g.MBPerSec)
			res.PlainGzip = &g
		}
		if err := s.exports.Files.Remove(op.ID); err != nil {
			return res, err
		}

		cp, err := s.copyOnce(ctx, cfg, c, run)
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		if err != nil {
			res.Copy.Error, _, _ = strings.Cut(err.Error(), "\n")
			continue
		}
		copySecs = append(copySecs, cp.Seconds)
		if cp.Usage.PeakRSS >= res.Copy.Usage.PeakRSS {
			res.Copy = cp
		}
	}
	res.Seconds = median(secs)
	res.RowsPerSec = float64(res.Rows) / res.Seconds
	res.MBPerSec = float64(res.Bytes) / 1e6 / res.Seconds
	if len(copySecs) > 0 {
		res.Copy.Seconds = median(copySecs)
		res.Copy.RowsPerSec = float64(res.Copy.Rows) / res.Copy.Seconds
		res.Copy.MBPerSec = float64(res.Copy.Bytes) / 1e6 / res.Copy.Seconds
	}
	if g := res.PlainGzip; g != nil {
		g.MBPerSec = median(gzRates)
		g.RowsPerSec = g.MBPerSec * 1e6 * float64(res.Rows) / float64(max(1, res.Bytes))
	}
	return res, nil
}

// operation is the part of GET /operations/v1/{id} the bench reads.
type operation struct {
	ID           string
	State        string
	ErrorDetails string
	Rows, Bytes  int64
}

// pollInterval is how long to wait before asking about an export again:
// a fiftieth of its time so far, from 10 ms to 250 ms, so that polling
// neither blurs a short export's time nor takes CPU from a long one.
func pollInterval(elapsed time.Duration) time.Duration {
	return min(250*time.Millisecond, max(10*time.Millisecond, elapsed/50))
}

// exportRun is one export as the bench saw it.
type exportRun struct {
	op    operation
	took  time.Duration
	usage Usage
}

// exportOnce creates the export over HTTP and polls it to the end,
// measuring the process's usage meanwhile.
func (s *server) exportOnce(ctx context.Context, cfg Config, c exportCase,
	run int) (exportRun, error) {
	stop, err := startProfile(profileName(cfg, run, "export-"+c.label()))
	if err != nil {
		return exportRun{}, err
	}
	mem := watchUsage()
	start := time.Now()
	op, err := s.runExport(ctx, c)
	x := exportRun{op: op, took: time.Since(start), usage: mem.stop()}
	stop()
	return x, err
}

// runExport creates an export of c over HTTP and polls it until it ends;
// an export that does not complete is an error.
func (s *server) runExport(ctx context.Context, c exportCase) (operation, error) {
	compression := "COMPRESSION_NONE"
	if c.gzip {
		compression = "COMPRESSION_GZIP"
	}
	typ := "TYPE_EVENT"
	if c.individuals {
		typ = "TYPE_INDIVIDUAL"
	}
	body := map[string]string{"segmentId": c.seg, "type": typ,
		"format": c.format.API, "compression": compression}
	start := time.Now()
	var created struct{ OperationID string }
	err := s.call(ctx, s.adminKey, "POST", "/segments/v1/exports", body, &created)
	var op operation
	for busy := 0; err == nil; {
		err = s.call(ctx, s.adminKey, "GET", "/operations/v1/"+created.OperationID, nil, &op)
		if retryLater(err) && busy < 100 {
			// The export may hold the server's memory; poll as a
			// client told to retry would.
			busy, err = busy+1, nil
			time.Sleep(time.Second)
			continue
		}
		if err != nil || op.State != "PENDING" {
			break
		}
		time.Sleep(pollInterval(time.Since(start)))
	}
	if err == nil && op.State != "COMPLETED" {
		err = fmt.Errorf("export %s: %s", op.State, op.ErrorDetails)
	}
	return op, err
}

// copyOnce runs DuckDB's COPY of the export's SELECT and syncs the file,
// as the export syncs its own.
func (s *server) copyOnce(ctx context.Context, cfg Config, c exportCase,
	run int) (CopyResult, error) {
	opts := c.format.Copy
	switch {
	case c.gzip:
		opts += ", COMPRESSION gzip"
	case c.format.Packed:
		opts += ", COMPRESSION uncompressed"
	}
	path := filepath.Join(cfg.Dir, "copy-"+randomHex()+"."+c.format.Ext)
	defer os.Remove(path)
	// COPY sorts the whole export at once; under the server's limit it
	// runs out of memory, so the baseline gets its own, larger one.
	restore, err := s.setMemoryLimit(ctx, cfg.CopyMemoryLimit, cfg.MemoryLimit)
	if err != nil {
		return CopyResult{}, err
	}
	defer restore()
	stop, err := startProfile(profileName(cfg, run, "copy-"+c.label()))
	if err != nil {
		return CopyResult{}, err
	}
	mem := watchUsage()
	start := time.Now()
	r, err := s.db.SQL().ExecContext(ctx, "COPY ("+c.sel+") TO "+quote(path)+" ("+opts+")")
	if err == nil {
		err = syncFile(path)
	}
	took := time.Since(start)
	m := mem.stop()
	stop()
	if err != nil {
		return CopyResult{}, fmt.Errorf("COPY: %w", err)
	}
	res := CopyResult{Seconds: took.Seconds(), Usage: m}
	res.Rows, _ = r.RowsAffected()
	if st, err := os.Stat(path); err == nil {
		res.Bytes = st.Size()
	}
	return res, nil
}

// setMemoryLimit sets DuckDB's memory limit, which holds for the whole
// database, to limit; restore sets it back to was.
func (s *server) setMemoryLimit(ctx context.Context, limit, was string) (restore func(), err error) {
	if limit == "" || limit == was {
		return func() {}, nil
	}
	if _, err := s.db.SQL().ExecContext(ctx, "SET memory_limit = "+quote(limit)); err != nil {
		return nil, fmt.Errorf("set the memory limit for COPY: %w", err)
	}
	return func() {
		s.db.SQL().ExecContext(context.WithoutCancel(ctx), "SET memory_limit = "+quote(was))
	}, nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// plainGzip compresses up to limit bytes of the file with compress/gzip
// at its default level on one goroutine, into nothing.
func plainGzip(path string, limit int64) (GzipResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return GzipResult{}, err
	}
	defer f.Close()
	zw := gzip.NewWriter(io.Discard)
	start := time.Now()
	n, err := io.Copy(zw, io.LimitReader(f, limit))
	if err == nil {
		err = zw.Close()
	}
	took := time.Since(start)
	return GzipResult{SampleBytes: n, MBPerSec: float64(n) / 1e6 / took.Seconds()}, err
}

// fileRows counts the rows of an export file where that is cheap and
// exact: lines of uncompressed CSV (less the header) and NDJSON, and
// the row count in a Parquet footer. Otherwise it answers -1.
func (s *server) fileRows(ctx context.Context, path string, c exportCase) (int64, error) {
	switch {
	case c.format.Packed:
		var n int64
		err := s.db.SQL().QueryRowContext(ctx,
			"SELECT count(*) FROM read_parquet("+quote(path)+")").Scan(&n)
		return n, err
	case c.gzip || c.format.Name == "JSON":
		return -1, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var lines int64
	buf := make([]byte, 1<<20)
	for {
		n, err := f.Read(buf)
		lines += int64(bytes.Count(buf[:n], []byte{'\n'}))
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, err
		}
	}
	if c.format.Name == "CSV" {
		lines--
	}
	return lines, nil
}

// measureStream times the store's ExportEvents with a row function that
// drops every row.
func (s *server) measureStream(ctx context.Context, cfg Config, name string,
	cols []store.OutputColumn, people store.Query) (StreamResult, error) {
	res := StreamResult{Segment: name}
	var secs []float64
	q := store.ExportQuery{Org: dataOrg, People: people, Columns: cols}
	for run := range cfg.Runs {
		progress(cfg, "export stream floor", "segment", name, "run", run+1)
		stop, err := startProfile(profileName(cfg, run, "stream-"+name))
		if err != nil {
			return res, err
		}
		var rows int64
		mem := watchUsage()
		start := time.Now()
		err = s.db.ExportEvents(ctx, q, func([]any) error { rows++; return nil })
		took := time.Since(start)
		m := mem.stop()
		stop()
		if err != nil {
			return res, err
		}
		res.Rows = rows
		secs = append(secs, took.Seconds())
		if m.PeakRSS >= res.Usage.PeakRSS {
			res.Usage = m
		}
	}
	res.Seconds = median(secs)
	res.RowsPerSec = float64(res.Rows) / res.Seconds
	return res, nil
}
