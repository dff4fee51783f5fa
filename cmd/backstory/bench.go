package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/spf13/cobra"

	"github.com/backstory-dev/backstory/internal/bench"
)

// benchFlags are the flags of `backstory bench`.
type benchFlags struct {
	cfg        bench.Config
	only       string
	formats    string
	data       string
	jsonOut    string
	markdown   string
	cpuProfile string
}

func newBenchCmd() *cobra.Command {
	var f benchFlags
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure ingest, preview and export speed on generated data",
		Long: `Generate a deterministic data set, load it into an embedded store,
start the real HTTP stack on 127.0.0.1, and measure in this process, each
as the median of --runs runs:

  ingest   events/s through POST /v2/events/batch and POST /rec/events
  preview  five representative segments beside hand-written SQL
  export   every format, gzip and not, for everyone and a 10% segment,
           beside DuckDB's COPY of the same rows and plain gzip

It prints a table, and writes it as JSON (--json) and markdown
(--markdown; an existing file keeps everything outside its result
markers). The data folder is temporary unless --data names one; a
folder that already holds the same data set is reused.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBench(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.cfg.Events, "events", 10_000_000, "events in the data set")
	fl.IntVar(&f.cfg.People, "people", 200_000, "people the generator draws")
	fl.Int64Var(&f.cfg.Seed, "seed", 1, "seed of the data set")
	fl.IntVar(&f.cfg.Runs, "runs", 3, "runs of each measurement; the median is reported")
	fl.StringVar(&f.data, "data", "",
		"data folder to keep and reuse (default: a temporary one)")
	fl.StringVar(&f.jsonOut, "json", "", "write the results as JSON to this file")
	fl.StringVar(&f.markdown, "markdown", "",
		"write the results as markdown into this file, e.g. docs/benchmarks.md")
	fl.StringVar(&f.only, "only", "",
		"measure only these, comma-separated: ingest,preview,export,server")
	fl.StringVar(&f.formats, "formats", "",
		"export only these formats, comma-separated: csv,json,ndjson,parquet")
	fl.IntVar(&f.cfg.IngestEvents, "ingest-events", 0,
		"events sent to each ingest endpoint over all runs (default min(500000, events/10))")
	fl.IntVar(&f.cfg.BatchSize, "batch", 10_000, "items per v2 batch request")
	fl.IntVar(&f.cfg.Clients, "clients", 4, "concurrent HTTP clients for ingest")
	fl.StringVar(&f.cfg.MemoryLimit, "memory-limit", "1GB", "DuckDB memory limit, as for serve")
	fl.StringVar(&f.cfg.ServerMemoryLimit, "server-memory-limit", "",
		"--memory-limit of the serve process whose memory is measured (default: serve's own)")
	fl.StringVar(&f.cfg.CopyMemoryLimit, "copy-memory-limit", "4GB",
		"DuckDB memory limit while a COPY baseline runs (COPY sorts a whole export in memory)")
	fl.Int64Var(&f.cfg.GzipSample, "gzip-sample", 256<<20,
		"bytes of each uncompressed export that plain gzip compresses for its baseline")
	fl.StringVar(&f.cpuProfile, "cpuprofile", "",
		"write a CPU profile of the whole run to this file")
	fl.StringVar(&f.cfg.ProfileDir, "profile-dir", "",
		"write a CPU profile of each case's first run into this folder")
	return cmd
}

func runBench(cmd *cobra.Command, f benchFlags) error {
	if f.cpuProfile != "" && f.cfg.ProfileDir != "" {
		return errors.New("--cpuprofile and --profile-dir both profile the CPU; give one")
	}
	cfg := f.cfg
	if f.only != "" {
		cfg.Only = strings.Split(f.only, ",")
	}
	if f.formats != "" {
		cfg.Formats = strings.Split(f.formats, ",")
	}
	cfg.Command = "backstory " + strings.Join(os.Args[1:], " ")
	if exe, err := os.Executable(); err == nil {
		cfg.ServerCommand = []string{exe, "serve"}
	}
	cfg.Log = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
	cfg.Dir = f.data
	if cfg.Dir == "" {
		dir, err := os.MkdirTemp("", "backstory-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cfg.Dir = dir
	}

	if f.cpuProfile != "" {
		pf, err := os.Create(f.cpuProfile)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	res, err := bench.Run(cmd.Context(), cfg)
	if res == nil {
		return err
	}
	// A run that failed part way still reports what it measured.
	res.WriteText(cmd.OutOrStdout())
	if f.jsonOut != "" {
		raw, jerr := json.MarshalIndent(res, "", "  ")
		if jerr == nil {
			jerr = os.WriteFile(f.jsonOut, append(raw, '\n'), 0o644)
		}
		if jerr != nil {
			return errors.Join(err, fmt.Errorf("write --json: %w", jerr))
		}
	}
	if f.markdown != "" {
		if merr := res.WriteMarkdownFile(f.markdown); merr != nil {
			return errors.Join(err, fmt.Errorf("write --markdown: %w", merr))
		}
	}
	return err
}
