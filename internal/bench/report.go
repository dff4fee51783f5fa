package bench

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
)

// table is a header and rows of cells, printed as aligned text or as a
// markdown table.
type table struct {
	title string
	head  []string
	rows  [][]string
	notes []string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) text(w io.Writer) {
	fmt.Fprintf(w, "\n%s\n", t.title)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, r := range append([][]string{t.head}, t.rows...) {
		fmt.Fprintln(tw, strings.Join(r, "\t")+"\t")
	}
	tw.Flush()
	for _, n := range t.notes {
		fmt.Fprintf(w, "  %s\n", n)
	}
}

func (t *table) markdown(w io.Writer) {
	fmt.Fprintf(w, "\n#### %s\n\n", t.title)
	fmt.Fprintf(w, "| %s |\n", strings.Join(t.head, " | "))
	sep := make([]string, len(t.head))
	for i := range sep {
		sep[i] = "---:"
	}
	sep[0] = "---"
	fmt.Fprintf(w, "|%s|\n", strings.Join(sep, "|"))
	for _, r := range t.rows {
		fmt.Fprintf(w, "| %s |\n", strings.Join(r, " | "))
	}
	if len(t.notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range t.notes {
			fmt.Fprintf(w, "%s\n", n)
		}
	}
}

// tables lays the result out as the report's tables.
func (r *Result) tables() []*table {
	var ts []*table
	if len(r.Ingest) > 0 {
		t := &table{title: fmt.Sprintf("Ingest over loopback HTTP (%d clients)",
			r.Config.Clients),
			head: []string{"endpoint", "events/request", "events/run", "events/s",
				"DuckDB INSERT rows/s", "vs INSERT", "p50 request", "p99 request",
				"cores busy", "acknowledged = stored"}}
		for _, in := range r.Ingest {
			store, vs := "", ""
			if in.StoreRate > 0 {
				store, vs = rateText(in.StoreRate), fmt.Sprintf("%.2fx", in.Rate/in.StoreRate)
			}
			t.add(in.Endpoint, "<= "+strconv.Itoa(in.BatchEvents),
				count(int64(in.EventsPerRun)), rateText(in.Rate), store, vs,
				msText(in.P50Ms), msText(in.P99Ms), fmt.Sprintf("%.1f", in.Cores),
				fmt.Sprintf("%s / %s", count(in.Acked), count(in.Stored)))
		}
		ts = append(ts, t)
	}
	if len(r.Preview) > 0 {
		t := &table{title: "Segment preview (median, then 95th percentile)",
			head: []string{"segment", "people", "events", "HTTP preview",
				"store Preview", "compiled count", "hand-written SQL",
				"compiled / hand", "HTTP p95", "compiled p95", "hand p95"}}
		for _, p := range r.Preview {
			t.add(p.Segment, count(p.People), count(p.Events), msText(p.HTTPMs),
				msText(p.StoreMs), msText(p.CompiledMs), msText(p.HandMs),
				fmt.Sprintf("%.2fx", p.CompiledMs/p.HandMs), msText(p.HTTPP95Ms),
				msText(p.CompiledP95Ms), msText(p.HandP95Ms))
		}
		ts = append(ts, t)
	}
	if e := r.Export; e != nil {
		ts = append(ts, exportTables(e)...)
	}
	if sm := r.ServerMemory; sm != nil {
		t := &table{title: "Server process memory: exports of everyone",
			head: []string{"export", "rows", "seconds", "rows/s", "peak RSS"}}
		for _, x := range sm.Exports {
			name := x.Format + " gzip"
			if x.Individuals {
				name += " (individuals)"
			}
			t.add(name, count(x.Rows), fmt.Sprintf("%.1f", x.Seconds),
				rateText(float64(x.Rows)/x.Seconds), mib(x.PeakRSS))
		}
		t.notes = append(t.notes, fmt.Sprintf("A `backstory serve` process of its own "+
			"(%s), started after the measurements above, %s resident once ready. Peak "+
			"RSS is its VmHWM after each export (reset between exports: %v).",
			sm.Command, mib(sm.StartRSS), sm.HWMReset))
		ts = append(ts, t)
		if len(sm.Previews) > 0 {
			t := &table{title: "Server process: previews at its memory limit",
				head: []string{"segment", "people", "HTTP preview (median)"}}
			for _, p := range sm.Previews {
				t.add(p.Segment, count(p.People), msText(p.HTTPMs))
			}
			t.notes = append(t.notes, fmt.Sprintf("Through the same process after "+
				"its exports; its peak RSS over the previews was %s.", mib(sm.PreviewPeakRSS)))
			ts = append(ts, t)
		}
	}
	if len(r.Targets) > 0 {
		t := &table{title: "Targets", head: []string{"target", "want", "got", "met"}}
		for _, g := range r.Targets {
			met := "MISSED"
			if g.Met {
				met = "met"
			}
			t.add(g.Name, g.Want, g.Got, met)
		}
		ts = append(ts, t)
	}
	return ts
}

func exportTables(e *ExportSet) []*table {
	var ts []*table
	for _, st := range e.Stream {
		t := &table{title: fmt.Sprintf("Export: %s, %s rows", st.Segment, count(st.Rows)),
			head: []string{"format", "rows/s", "MB/s", "file", "COPY rows/s",
				"vs COPY", "plain gzip rows/s", "vs gzip", "peak RSS",
				"Go heap peak", "COPY peak RSS", "cores busy (COPY)"}}
		plain := map[string]*GzipResult{}
		for _, c := range e.Cases {
			if c.Segment != st.Segment {
				continue
			}
			name, gz, vsGzip := c.Format, "", ""
			if c.PlainGzip != nil {
				plain[c.Format] = c.PlainGzip
				gz = rateText(c.PlainGzip.RowsPerSec)
			}
			if c.Gzip {
				name += " gzip"
				if p := plain[c.Format]; p != nil {
					gz = rateText(p.RowsPerSec)
					vsGzip = fmt.Sprintf("%.2fx gzip", c.RowsPerSec/p.RowsPerSec)
				}
			}
			if c.Format == "Parquet" && !c.Gzip {
				name += " (uncompressed)"
			}
			copyRate, vsCopy := rateText(c.Copy.RowsPerSec),
				fmt.Sprintf("%.2fx COPY", c.RowsPerSec/c.Copy.RowsPerSec)
			if c.Copy.RowsPerSec == 0 {
				copyRate, vsCopy = "failed", "-"
				t.notes = append(t.notes, fmt.Sprintf("COPY for %s failed: %s", name,
					c.Copy.Error))
			}
			t.add(name, rateText(c.RowsPerSec), fmt.Sprintf("%.0f", c.MBPerSec),
				mb(c.Bytes), copyRate, vsCopy,
				gz, vsGzip, memText(c.Usage), mib(c.Usage.GoHeapPeak),
				memText(c.Copy.Usage), coresText(c))
		}
		t.notes = append(t.notes, fmt.Sprintf("The store's stream alone (window queries, "+
			"driver, sort, people lookup; rows dropped): %s rows/s, peak RSS %s. Peak RSS is VmHWM "+
			"after the step, with the growth over the RSS at its start in brackets.",
			rateText(st.RowsPerSec), memText(st.Usage)))
		ts = append(ts, t)
	}
	return ts
}

func (r *Result) header() string {
	m := r.Machine
	return fmt.Sprintf("Backstory bench: %s events, %s people, seed %d, "+
		"median of %d runs\nmachine: %d CPUs (%s), %s RAM, %s, %s, DuckDB %s, "+
		"memory limit %s (COPY %s), %s, load average %s at start, %s at end, "+
		"revision %s\nload: %s",
		count(int64(r.Load.Events)), count(int64(r.Load.People)), r.Config.Seed,
		r.Config.Runs, m.CPUs, m.CPUModel, gib(m.MemoryBytes), m.Kernel,
		m.GoVersion, m.DuckDBVersion, r.Config.MemoryLimit, r.Config.CopyMemoryLimit,
		m.Date.Format("2006-01-02 15:04 UTC"), m.LoadStart, m.LoadEnd,
		m.Revision, r.loadText())
}

func (r *Result) loadText() string {
	l := r.Load
	if l.Reused {
		return fmt.Sprintf("reused the data folder's data set (%s on disk)", mb(l.DBBytes))
	}
	return fmt.Sprintf("%.0f s for %s events in %d generator pass(es): "+
		"AppendEvents %s events/s, SavePeople %s people/s, sorting by time "+
		"%.0f s; %s on disk", l.Seconds, count(int64(l.Events)), l.Passes,
		rateText(l.AppendRate), rateText(l.PeopleRate), l.ClusterSeconds,
		mb(l.DBBytes))
}

// WriteText prints the report as aligned tables.
func (r *Result) WriteText(w io.Writer) {
	fmt.Fprintln(w, r.header())
	for _, t := range r.tables() {
		t.text(w)
	}
}

// WriteMarkdown writes the report as markdown tables.
func (r *Result) WriteMarkdown(w io.Writer) {
	m := r.Machine
	fmt.Fprintf(w, "Measured %s on %d CPUs (%s, `nproc` = %d), %s RAM, %s; "+
		"%s; DuckDB %s (memory limit %s, %s for COPY); revision %s. One-minute load average "+
		"%s at the start, %s at the end.\n\n", m.Date.Format("2006-01-02 15:04 UTC"),
		m.CPUs, m.CPUModel, m.CPUs, gib(m.MemoryBytes), m.Kernel, m.GoVersion,
		m.DuckDBVersion, r.Config.MemoryLimit, r.Config.CopyMemoryLimit, m.Revision, m.LoadStart, m.LoadEnd)
	fmt.Fprintf(w, "Command: `%s`\n\n", r.Command)
	fmt.Fprintf(w, "Data set: %s events, %s people, seed %d; median of %d runs. "+
		"Load: %s.\n", count(int64(r.Load.Events)), count(int64(r.Load.People)),
		r.Config.Seed, r.Config.Runs, r.loadText())
	for _, t := range r.tables() {
		t.markdown(w)
	}
}

// The markers between which WriteMarkdownFile keeps the results, so the
// prose around them survives a new run.
const (
	markBegin = "<!-- bench results: begin -->"
	markEnd   = "<!-- bench results: end -->"
)

// WriteMarkdownFile puts the markdown report into path between the
// result markers, or writes a new file with only the report.
func (r *Result) WriteMarkdownFile(path string) error {
	var b bytes.Buffer
	r.WriteMarkdown(&b)
	section := markBegin + "\n" + b.String() + "\n" + markEnd
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	doc := "# Benchmarks\n\n" + section + "\n"
	i, j := bytes.Index(old, []byte(markBegin)), bytes.Index(old, []byte(markEnd))
	if i >= 0 && j > i {
		doc = string(old[:i]) + section + string(old[j+len(markEnd):])
	}
	return os.WriteFile(path, []byte(doc), 0o644)
}

// count writes n with thousands separators.
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// rateText writes a per-second rate as 1.23M, 456k or 789.
func rateText(x float64) string {
	switch {
	case x >= 1e6:
		return fmt.Sprintf("%.2fM", x/1e6)
	case x >= 1e4:
		return fmt.Sprintf("%.0fk", x/1e3)
	case x >= 1e3:
		return fmt.Sprintf("%.1fk", x/1e3)
	}
	return fmt.Sprintf("%.0f", x)
}

func msText(x float64) string {
	if x < 10 {
		return fmt.Sprintf("%.1f ms", x)
	}
	return fmt.Sprintf("%.0f ms", x)
}

func mb(n int64) string {
	if n >= 1e9 {
		return fmt.Sprintf("%.2f GB", float64(n)/1e9)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}

// coresText is the export's busy cores, and COPY's in brackets.
func coresText(c ExportResult) string {
	s := fmt.Sprintf("%.1f", c.Usage.CPUSeconds/c.Seconds)
	if c.Copy.Seconds > 0 {
		s += fmt.Sprintf(" (%.1f)", c.Copy.Usage.CPUSeconds/c.Copy.Seconds)
	}
	return s
}

// memText is a step's peak RSS and its growth over the step's start.
func memText(m Usage) string {
	return fmt.Sprintf("%s (+%d)", mib(m.PeakRSS), (m.PeakRSS-m.RSSBefore)>>20)
}

func mib(n int64) string { return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20)) }

func gib(n int64) string { return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30)) }
