package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/backstory-dev/backstory/internal/client"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
)

// The spellings the export flags accept, and what the API calls them.
var (
	exportTypes = map[string]string{
		"events":      client.TypeEvent,
		"individuals": client.TypeIndividual,
	}
	exportFormats = map[string]string{
		"csv":     client.FormatCSV,
		"json":    client.FormatJSON,
		"ndjson":  client.FormatNDJSON,
		"parquet": client.FormatParquet,
	}
	exportScopes = map[string]string{
		"event":      client.ScopeEvent,
		"pages":      client.ScopePages,
		"sessions":   client.ScopeSessions,
		"individual": client.ScopeIndividual,
	}
	exportCompressions = map[string]string{
		"gzip": client.CompressionGzip,
		"zstd": client.CompressionZstd,
		"none": client.CompressionNone,
	}
)

// exportFlags are the options of `backstory export`.
type exportFlags struct {
	server      string
	segment     string
	typ         string
	format      string
	from, to    string
	timezone    string
	fields      string
	scope       string
	compression string
	output      string
	split       string
	poll        time.Duration
	quiet       bool
	bars        bool // draw progress bars: not quiet, and on a terminal
}

// exportJob is one export to make: the request and, for --split day,
// the day it covers.
type exportJob struct {
	req client.ExportRequest
	day string
}

func newExportCmd() *cobra.Command {
	var f exportFlags
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export a segment's events or people to a file",
		Long: `Export asks the server for a segment export, shows its progress, and
downloads the file exactly as the server wrote it (compressed unless
--compression none). A broken download resumes where it stopped.

--from and --to take a date (2024-05-01: midnight in --timezone) or an
RFC 3339 time (2024-05-01T10:00:00Z). The range is half-open: from is
included, to is not. With --split day, one export is made for each
calendar day in --timezone, and each file has its day in its name.

The API key comes from BACKSTORY_API_KEY.`,
		Example: `  backstory export --from 2024-05-01 --to 2024-05-08 -o week.csv.gz
  backstory export --segment rageClicks --format ndjson --split day \
      --from 2024-03-01 --to 2024-04-01 --timezone America/New_York`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runExport(cmd, f)
		},
	}

	fl := cmd.Flags()
	addServerFlag(cmd, &f.server)
	fl.StringVar(&f.segment, "segment", "everyone",
		"segment id, or everyone, rageClicks, deadClicks, errorClicks")
	fl.StringVar(&f.typ, "type", "events", "rows to export: events or individuals")
	fl.StringVar(&f.format, "format", "csv", "file format: csv, json, ndjson or parquet")
	fl.StringVar(&f.from, "from", "", "start of the range, included (date or RFC 3339)")
	fl.StringVar(&f.to, "to", "", "end of the range, excluded (date or RFC 3339)")
	fl.StringVar(&f.timezone, "timezone", "UTC",
		"IANA zone for dates, day boundaries and the segment's relative dates")
	fl.StringVar(&f.fields, "fields", "", "columns, comma-separated (default all)")
	fl.StringVar(&f.scope, "scope", "",
		"events of: event, pages, sessions or individual (server default individual)")
	fl.StringVar(&f.compression, "compression", "",
		"gzip, zstd or none (server default: gzip; none for parquet)")
	fl.StringVarP(&f.output, "output", "o", "",
		"file or folder to write (default: the server's file name)")
	fl.StringVar(&f.split, "split", "", "day: one export and file per day")
	fl.DurationVar(&f.poll, "poll", time.Second, "how often to ask about progress")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress bars")
	return cmd
}

func runExport(cmd *cobra.Command, f exportFlags) error {
	jobs, err := f.plan()
	if err != nil {
		return err
	}
	f.bars = showBars(cmd.ErrOrStderr(), f.quiet)
	c, err := newAPIClient(cmd, f.server, f.bars)
	if err != nil {
		return err
	}

	for _, job := range jobs {
		path, size, err := f.run(cmd.Context(), c, job, cmd.ErrOrStderr())
		if err != nil {
			return explain(f.server, err)
		}
		fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%d bytes)\n", path, size)
	}
	return nil
}

// plan checks the flags and turns them into the exports to make.
func (f exportFlags) plan() ([]exportJob, error) {
	req := client.ExportRequest{SegmentID: f.segment, Timezone: f.timezone,
		Fields: splitList(f.fields)}
	var err error
	if req.Type, err = pick("type", f.typ, exportTypes); err != nil {
		return nil, err
	}
	if req.Format, err = pick("format", f.format, exportFormats); err != nil {
		return nil, err
	}
	if f.compression != "" {
		req.Compression, err = pick("compression", f.compression, exportCompressions)
		if err != nil {
			return nil, err
		}
	}
	if f.scope != "" {
		if req.Type != client.TypeEvent {
			return nil, errors.New("--scope applies only to --type events")
		}
		scope, err := pick("scope", f.scope, exportScopes)
		if err != nil {
			return nil, err
		}
		req.EventDetails = &client.EventDetails{Scope: scope}
	}
	if f.poll <= 0 {
		return nil, errors.New("--poll must be more than 0")
	}
	return f.planRange(req)
}

// planRange adds the time range to req: one job for the whole range, or
// one per day with --split day.
func (f exportFlags) planRange(req client.ExportRequest) ([]exportJob, error) {
	loc, err := time.LoadLocation(f.timezone)
	if err != nil {
		return nil, fmt.Errorf("--timezone: unknown zone %q", f.timezone)
	}
	from, err := parseBound("from", f.from, loc)
	if err != nil {
		return nil, err
	}
	to, err := parseBound("to", f.to, loc)
	if err != nil {
		return nil, err
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return nil, errors.New("--from must be before --to")
	}

	switch f.split {
	case "", "none":
		if !from.IsZero() || !to.IsZero() {
			req.TimeRange = &client.TimeRange{Start: formatBound(from),
				End: formatBound(to)}
		}
		return []exportJob{{req: req}}, nil
	case "day":
		if from.IsZero() || to.IsZero() {
			return nil, errors.New("--split day needs both --from and --to")
		}
	default:
		return nil, fmt.Errorf("--split must be day or none, not %q", f.split)
	}

	var jobs []exportJob
	for _, d := range client.SplitDays(from, to, loc) {
		r := req
		r.TimeRange = &client.TimeRange{Start: client.FormatTime(d.Start),
			End: client.FormatTime(d.End)}
		jobs = append(jobs, exportJob{req: r, day: d.Date})
	}
	return jobs, nil
}

// run makes one export and saves its file, returning the path and size.
func (f exportFlags) run(ctx context.Context, c *client.Client, job exportJob,
	stderr io.Writer) (string, int64, error) {
	opID, err := c.CreateExport(ctx, job.req)
	if err != nil {
		return "", 0, err
	}

	desc := "exporting"
	if job.day != "" {
		desc += " " + job.day
	}
	if !f.bars && !f.quiet {
		fmt.Fprintf(stderr, "%s: operation %s\n", desc, opID)
	}
	bar := progressbar.NewOptions(100, barOptions(stderr, f.bars, desc)...)
	op, err := c.Wait(ctx, opID, f.poll, func(op client.Operation) {
		_ = bar.Set(op.EstimatePctComplete)
	})
	endLine(stderr, f.bars)
	if err != nil {
		return "", 0, waitError(ctx, c, opID, err)
	}
	if op.Results == nil || op.Results.SearchExportID == "" {
		return "", 0, fmt.Errorf("export %s completed without a file", opID)
	}

	return f.download(ctx, c, op.Results.SearchExportID, job, stderr)
}

// waitError explains why waiting for an export ended early. When the
// person gave up, the server is asked to stop the work as well.
func waitError(ctx context.Context, c *client.Client, opID string, err error) error {
	var opErr *client.OperationError
	if errors.As(err, &opErr) {
		msg := fmt.Sprintf("export %s %s", opID, strings.ToLower(opErr.State))
		if opErr.Details != "" {
			msg += ": " + opErr.Details
		}
		return errors.New(msg)
	}

	if ctx.Err() != nil {
		stop, cancel := context.WithTimeout(context.WithoutCancel(ctx),
			5*time.Second)
		defer cancel()
		// Best effort: the hosted service has no cancel call.
		_ = c.CancelOperation(stop, opID)
	}
	return err
}

// download fetches a finished export into its file, through a temporary
// file beside it, so a file under the final name is always complete.
func (f exportFlags) download(ctx context.Context, c *client.Client,
	exportID string, job exportJob, stderr io.Writer) (string, int64, error) {
	loc, _, err := c.ExportResults(ctx, exportID)
	if err != nil {
		return "", 0, err
	}

	// The file holds personal data: CreateTemp makes it readable by its
	// owner only, and the rename keeps that.
	tmp, err := os.CreateTemp(f.folder(), ".backstory-export-*.part")
	if err != nil {
		return "", 0, fmt.Errorf("create output file: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	defer tmp.Close()

	var bar *progressbar.ProgressBar
	info, err := c.Download(ctx, client.DownloadParams{Location: loc,
		ExportID: exportID, Dst: tmp,
		OnProgress: func(done, total int64) {
			if bar == nil {
				bar = newBytesBar(stderr, f.bars, "downloading", total)
			}
			_ = bar.Set64(done)
		}})
	endLine(stderr, f.bars)
	if err != nil {
		return "", 0, err
	}

	if err := tmp.Close(); err != nil {
		return "", 0, fmt.Errorf("write output file: %w", err)
	}
	path := f.outputPath(job, info.Filename, time.Now())
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", 0, fmt.Errorf("save %s: %w", path, err)
	}
	return path, info.Size, nil
}

// folder is where the output goes: -o's folder, -o itself if it is a
// folder, or the current one.
func (f exportFlags) folder() string {
	switch {
	case f.output == "":
		return "."
	case f.outputIsDir():
		return f.output
	default:
		return filepath.Dir(f.output)
	}
}

func (f exportFlags) outputIsDir() bool {
	if strings.HasSuffix(f.output, string(filepath.Separator)) {
		return true
	}
	st, err := os.Stat(f.output)
	return err == nil && st.IsDir()
}

// outputPath names a job's file: -o with the day added for a split
// export; otherwise the name the server offered, or, for a split export
// or a server that offered none, backstory-SEGMENT-DATE.EXT.
func (f exportFlags) outputPath(job exportJob, served string, now time.Time) string {
	if f.output != "" && !f.outputIsDir() {
		return withDay(f.output, job.day)
	}

	name := served
	if name == "" || job.day != "" {
		date := job.day
		if date == "" {
			date = now.UTC().Format(time.DateOnly)
		}
		name = "backstory-" + safeName(f.segment) + "-" + date +
			fileExt(strings.ToLower(f.format), strings.ToLower(f.compression))
	}
	return filepath.Join(f.folder(), name)
}

// withDay puts the day into a file name before its export extensions:
// out.csv.gz becomes out-2024-05-01.csv.gz.
func withDay(path, day string) string {
	if day == "" {
		return path
	}
	dir, base := filepath.Split(path)
	stem := trimExt(trimExt(base, ".gz", ".zst"),
		".csv", ".json", ".ndjson", ".parquet")
	return dir + stem + "-" + day + base[len(stem):]
}

// trimExt removes name's extension when it is one of exts, in any case.
func trimExt(name string, exts ...string) string {
	ext := filepath.Ext(name)
	if slices.Contains(exts, strings.ToLower(ext)) {
		return name[:len(name)-len(ext)]
	}
	return name
}

// fileExt is the extension of an export file, as the server names it.
func fileExt(format, compression string) string {
	if format == "parquet" {
		return ".parquet" // compressed inside, page by page
	}
	switch compression {
	case "", "gzip":
		return "." + format + ".gz"
	case "zstd":
		return "." + format + ".zst"
	}
	return "." + format
}

// safeName keeps a segment id usable in a file name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z',
			r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
}

// pick maps a flag's value to the API's spelling.
func pick(flag, value string, choices map[string]string) (string, error) {
	if v, ok := choices[strings.ToLower(value)]; ok {
		return v, nil
	}
	names := slices.Sorted(maps.Keys(choices))
	return "", fmt.Errorf("--%s must be one of %s, not %q",
		flag, strings.Join(names, ", "), value)
}

func parseBound(flag, s string, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := client.ParseTime(s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("--%s: %w", flag, err)
	}
	return t, nil
}

// formatBound writes a bound for the API; the zero time is unbounded.
func formatBound(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return client.FormatTime(t)
}

// splitList reads a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// endLine ends the line a progress bar was drawn on.
func endLine(w io.Writer, bars bool) {
	if bars {
		fmt.Fprintln(w)
	}
}
