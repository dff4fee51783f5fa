// Package bench measures Backstory against the engine it stands on, in
// one process: it generates a deterministic data set, loads it, starts
// the real HTTP stack on a loopback listener, and times ingestion,
// segment previews and exports, each beside a baseline (hand-written
// SQL, DuckDB's own COPY, plain gzip). Run and Result are what
// `backstory bench` prints, writes as JSON and keeps in the docs.
package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"time"
)

// The measurements Config.Only can pick.
const (
	PhaseIngest  = "ingest"
	PhasePreview = "preview"
	PhaseExport  = "export"
	// PhaseServer is the memory of a serve process of its own during
	// exports of everyone; the export phase runs it too, afterwards.
	PhaseServer = "server"
)

// dataEnd is the end of the generated data's range. It is fixed, not
// the clock, so that every run of a seed builds the same bytes.
var dataEnd = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

// Config says what to generate and measure.
type Config struct {
	// Events is the size of the data set; default 10,000,000.
	Events int
	// People is how many people the generator draws; default 200,000.
	// Generation stops at Events, so fewer may get events.
	People int
	// Seed picks the data set.
	Seed int64
	// Runs is how often each measurement repeats; the median is
	// reported. Default 3.
	Runs int
	// Dir is the data folder: the database and the export files.
	// Required. A folder holding the same data set is reused.
	Dir string
	// Only limits the measurements to these phases; empty is all.
	Only []string
	// Formats limits the export formats (CSV, JSON, NDJSON, Parquet,
	// any case); empty is all.
	Formats []string
	// IngestEvents is how many events each ingest endpoint receives
	// over HTTP, split evenly over the runs; 0 means min(500,000,
	// Events/10).
	IngestEvents int
	// BatchSize is the number of items in one v2 batch request;
	// default 10,000.
	BatchSize int
	// Clients is how many concurrent HTTP clients send ingest
	// batches; default 4.
	Clients int
	// MemoryLimit is DuckDB's memory cap in the bench's own store;
	// default "1GB".
	MemoryLimit string
	// ServerMemoryLimit is the --memory-limit of the serve process the
	// server's memory is measured on; "" leaves serve's default.
	ServerMemoryLimit string
	// CopyMemoryLimit is DuckDB's memory cap while a COPY baseline
	// runs; default "4GB" (COPY sorts a whole export in memory and runs
	// out under a server's limit).
	CopyMemoryLimit string
	// GzipSample caps the bytes of an uncompressed export that plain
	// gzip compresses for its baseline; default 1 GiB.
	GzipSample int64
	// ProfileDir, when set, receives a CPU profile of the first run
	// of every measured case.
	ProfileDir string
	// ServerCommand starts `backstory serve` (the path of a backstory
	// binary and "serve"); serve's flags are added. When set, the
	// export phase ends with the server memory measurement: a server
	// process of its own exporting everyone in each format. Empty skips
	// it.
	ServerCommand []string
	// Command is the command line, recorded with the results.
	Command string
	// Log receives progress lines; nil is silent.
	Log *slog.Logger
}

func (c Config) withDefaults() (Config, error) {
	if c.Dir == "" {
		return c, errors.New("bench: Dir is required")
	}
	if c.Events == 0 {
		c.Events = 10_000_000
	}
	if c.People == 0 {
		c.People = 200_000
	}
	if c.Runs == 0 {
		c.Runs = 3
	}
	if c.Events < 0 || c.People < 0 || c.Runs < 0 || c.IngestEvents < 0 {
		return c, errors.New("bench: sizes and runs must not be negative")
	}
	if c.IngestEvents == 0 {
		c.IngestEvents = min(500_000, max(c.Events/10, 100))
	}
	if c.BatchSize == 0 {
		c.BatchSize = 10_000
	}
	if c.Clients == 0 {
		c.Clients = 4
	}
	if c.MemoryLimit == "" {
		c.MemoryLimit = "1GB"
	}
	if c.CopyMemoryLimit == "" {
		c.CopyMemoryLimit = "4GB"
	}
	if c.GzipSample == 0 {
		c.GzipSample = 1 << 30
	}
	for _, p := range c.Only {
		if p != PhaseIngest && p != PhasePreview && p != PhaseExport && p != PhaseServer {
			return c, fmt.Errorf("bench: unknown phase %q; want ingest, "+
				"preview, export or server", p)
		}
	}
	for _, f := range c.Formats {
		if !slices.ContainsFunc(exportFormats, func(e exportFormat) bool {
			return strings.EqualFold(e.Name, f)
		}) {
			return c, fmt.Errorf("bench: unknown format %q; want CSV, JSON, "+
				"NDJSON or Parquet", f)
		}
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

func (c Config) wants(phase string) bool {
	return len(c.Only) == 0 || slices.Contains(c.Only, phase)
}

func (c Config) wantsFormat(f exportFormat) bool {
	return len(c.Formats) == 0 || slices.ContainsFunc(c.Formats, func(s string) bool {
		return strings.EqualFold(s, f.Name)
	})
}

// Run generates and loads the data set, then measures what cfg asks.
// When a measurement fails, or ctx ends, Run returns what it measured
// until then beside the error, so that a long run is never lost whole.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	res := &Result{Command: cfg.Command, Config: summarize(cfg)}
	err = measure(ctx, cfg, res)
	res.Machine.LoadEnd = loadAvg()
	res.Targets = judge(res)
	return res, err
}

func measure(ctx context.Context, cfg Config, res *Result) error {
	srv, err := startServer(ctx, cfg)
	if err != nil {
		return err
	}
	defer srv.close()
	if res.Machine, err = machine(ctx, srv.db); err != nil {
		return err
	}
	if res.Load, err = loadData(ctx, srv, cfg); err != nil {
		return err
	}
	if cfg.wants(PhaseIngest) {
		if res.Ingest, err = measureIngest(ctx, srv, cfg); err != nil {
			return fmt.Errorf("ingest: %w", err)
		}
	}
	if cfg.wants(PhasePreview) {
		if res.Preview, err = measurePreview(ctx, srv, cfg); err != nil {
			return fmt.Errorf("preview: %w", err)
		}
	}
	if cfg.wants(PhaseExport) {
		res.Export = &ExportSet{}
		if err := measureExports(ctx, srv, cfg, res.Export); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	if !(cfg.wants(PhaseExport) || cfg.wants(PhaseServer)) || len(cfg.ServerCommand) == 0 {
		return nil
	}
	// Only one process may open the database: the bench lets go of it
	// for the server process.
	srv.close()
	res.ServerMemory, err = measureServerMemory(ctx, cfg, srv.adminKey)
	return err
}

// ConfigSummary is the part of Config that shapes the numbers.
type ConfigSummary struct {
	Events          int    `json:"events"`
	People          int    `json:"people"`
	Seed            int64  `json:"seed"`
	Runs            int    `json:"runs"`
	IngestEvents    int    `json:"ingestEvents"`
	BatchSize       int    `json:"batchSize"`
	Clients         int    `json:"clients"`
	MemoryLimit     string `json:"memoryLimit"`
	CopyMemoryLimit string `json:"copyMemoryLimit"`
	GoMaxProcs      int    `json:"gomaxprocs"`
}

func summarize(c Config) ConfigSummary {
	return ConfigSummary{Events: c.Events, People: c.People, Seed: c.Seed,
		Runs: c.Runs, IngestEvents: c.IngestEvents, BatchSize: c.BatchSize,
		Clients: c.Clients, MemoryLimit: c.MemoryLimit, CopyMemoryLimit: c.CopyMemoryLimit,
		GoMaxProcs: runtime.GOMAXPROCS(0)}
}

// progress logs a phase's step at info level.
func progress(cfg Config, msg string, args ...any) {
	cfg.Log.Info(msg, args...)
}
