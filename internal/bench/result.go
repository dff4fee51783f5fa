package bench

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/backstory-dev/backstory/internal/store/duckdb"
)

// Result is everything one bench run measured.
type Result struct {
	Machine Machine         `json:"machine"`
	Command string          `json:"command"`
	Config  ConfigSummary   `json:"config"`
	Load    LoadResult      `json:"load"`
	Ingest  []IngestResult  `json:"ingest,omitempty"`
	Preview []PreviewResult `json:"preview,omitempty"`
	Export  *ExportSet      `json:"export,omitempty"`
	// ServerMemory is a server process's memory during exports of
	// everyone, when the bench was given a server command.
	ServerMemory *ServerMemory `json:"serverMemory,omitempty"`
	Targets      []Target      `json:"targets"`
}

// Machine is what the numbers were measured on.
type Machine struct {
	CPUs          int       `json:"cpus"`
	CPUModel      string    `json:"cpuModel"`
	MemoryBytes   int64     `json:"memoryBytes"`
	Kernel        string    `json:"kernel"`
	GoVersion     string    `json:"goVersion"`
	DuckDBVersion string    `json:"duckdbVersion"`
	Date          time.Time `json:"date"`
	// LoadStart and LoadEnd are the one-minute load averages when the
	// run began and ended: above 0 means other processes shared the
	// CPUs with the measurements.
	LoadStart string `json:"loadAvgStart"`
	LoadEnd   string `json:"loadAvgEnd"`
	// Revision is the VCS revision the binary was built from, with
	// "+dirty" when the tree had changes.
	Revision string `json:"revision"`
}

// revision reads the VCS stamp Go puts into binaries built in a
// repository.
func revision() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch {
		case s.Key == "vcs.revision" && len(s.Value) >= 12:
			rev = s.Value[:12]
		case s.Key == "vcs.modified" && s.Value == "true":
			dirty = "+dirty"
		}
	}
	if rev == "" {
		return ""
	}
	return rev + dirty
}

// loadAvg is the one-minute load average.
func loadAvg() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(raw))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

func machine(ctx context.Context, db *duckdb.DB) (Machine, error) {
	m := Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(),
		Date: time.Now().UTC().Truncate(time.Second), LoadStart: loadAvg(),
		Revision: revision()}
	if err := db.SQL().QueryRowContext(ctx, "SELECT version()").Scan(&m.DuckDBVersion); err != nil {
		return m, fmt.Errorf("duckdb version: %w", err)
	}
	if raw, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = "linux " + strings.TrimSpace(string(raw))
	}
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(raw)) {
			if name, v, ok := strings.Cut(line, ":"); ok &&
				strings.TrimSpace(name) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if raw, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		for line := range strings.Lines(string(raw)) {
			if _, err := fmt.Sscanf(line, "MemTotal: %d kB", &kb); err == nil {
				m.MemoryBytes = kb << 10
				break
			}
		}
	}
	return m, nil
}

// Target is one of the goals, judged against this run.
type Target struct {
	Name string `json:"name"`
	Want string `json:"want"`
	Got  string `json:"got"`
	Met  bool   `json:"met"`
}

// judge compares the results with the targets. Targets whose
// measurement was not run are left out.
func judge(r *Result) []Target {
	var ts []Target
	add := func(name, want, got string, met bool) {
		ts = append(ts, Target{Name: name, Want: want, Got: got, Met: met})
	}
	if e := r.Export; e != nil && len(e.Cases) > 0 {
		for _, c := range e.Cases {
			ratio := c.RowsPerSec / c.Copy.RowsPerSec
			if c.Copy.Error != "" && c.Copy.RowsPerSec == 0 {
				add(c.Segment+" "+c.Format+" gzip="+strconv.FormatBool(c.Gzip)+
					" vs COPY", "COPY runs", "COPY failed: "+c.Copy.Error, false)
				continue
			}
			switch {
			case c.Gzip && (c.Format == "CSV" || c.Format == "NDJSON"):
				add(c.Segment+" "+c.Format+" gzip rows/s vs COPY gzip", ">= 2x",
					fmt.Sprintf("%.2fx", ratio), ratio >= 2)
			case !c.Gzip:
				add(c.Segment+" "+c.Format+" rows/s vs COPY", ">= 0.8x",
					fmt.Sprintf("%.2fx", ratio), ratio >= 0.8)
			}
		}
		var peak Usage
		var rows int64
		for _, c := range e.Cases {
			if c.Segment == "everyone" && c.Usage.PeakRSS >= peak.PeakRSS {
				peak, rows = c.Usage, c.Rows
			}
		}
		if sm := r.ServerMemory; sm != nil {
			if p, ok := sm.Peak(); ok {
				add(fmt.Sprintf("server process peak RSS, export of %s rows (%s gzip)",
					count(p.Rows), p.Format), "< 300 MiB", mib(p.PeakRSS), p.PeakRSS < 300<<20)
			}
		} else {
			add(fmt.Sprintf("bench process peak RSS, largest export (%s rows)", count(rows)),
				"< 300 MiB", mib(peak.PeakRSS), peak.PeakRSS < 300<<20)
		}
		bad := []string{}
		if sm := r.ServerMemory; sm != nil {
			for _, x := range sm.Exports {
				if !x.Individuals && x.Rows != rows {
					bad = append(bad, fmt.Sprintf("server process %s: wrote %d of %d",
						x.Format, x.Rows, rows))
				}
			}
		}
		for _, c := range e.Cases {
			ok := c.Rows == c.PreviewRows && (c.Copy.Rows == c.Rows || c.Copy.Error != "") &&
				(c.FileRows < 0 || c.FileRows == c.Rows)
			if !ok {
				bad = append(bad, fmt.Sprintf("%s %s gzip=%v: wrote %d, file %d, "+
					"preview %d, COPY %d", c.Segment, c.Format, c.Gzip, c.Rows,
					c.FileRows, c.PreviewRows, c.Copy.Rows))
			}
		}
		got := fmt.Sprintf("all %d exports match", len(e.Cases))
		if len(bad) > 0 {
			got = strings.Join(bad, "; ")
		}
		add("export rows = preview count", "equal", got, len(bad) == 0)
	}
	for _, in := range r.Ingest {
		if strings.Contains(in.Endpoint, "/v2/") {
			add("ingest via "+in.Endpoint, ">= 100k events/s",
				rateText(in.Rate)+" events/s", in.Rate >= 100_000)
		}
		add("acknowledged = stored via "+in.Endpoint, "equal",
			fmt.Sprintf("%d acknowledged, %d stored", in.Acked, in.Stored),
			in.Acked == in.Stored)
	}
	for _, p := range r.Preview {
		ratio := p.CompiledMs / p.HandMs
		add("preview "+p.Segment+": compiled vs hand-written SQL", "<= 1.5x",
			fmt.Sprintf("%.2fx (%.0f vs %.0f ms)", ratio, p.CompiledMs, p.HandMs),
			ratio <= 1.5)
		add("preview "+p.Segment+": HTTP median", "< 1 s",
			fmt.Sprintf("%.0f ms", p.HTTPMs), p.HTTPMs < 1000)
		add("preview "+p.Segment+": hand-written count = preview count", "equal",
			fmt.Sprintf("%d vs %d", p.HandPeople, p.People), p.HandPeople == p.People)
	}
	return ts
}
