package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ServerMemory is what a `backstory serve` process of its own, started
// on the bench's data folder once the in-process measurements are done,
// held while it ran each format's export of everyone. In-process
// numbers carry the generator's, COPY's and earlier steps' memory;
// these are the server's alone, as an operator would see them.
type ServerMemory struct {
	// Command is how the server was started.
	Command string `json:"command"`
	// StartRSS is the server's resident set once it answered /healthz.
	StartRSS int64 `json:"startRss"`
	// HWMReset is false when the server's peak could not be reset
	// between exports; each peak is then the peak since it started.
	HWMReset bool                 `json:"hwmReset"`
	Exports  []ServerMemoryExport `json:"exports"`
	// Previews are the five preview segments through the same process,
	// after the exports: what its memory limit costs them.
	Previews []ServerPreview `json:"previews"`
	// PreviewPeakRSS is the server's VmHWM over the previews.
	PreviewPeakRSS int64 `json:"previewPeakRss"`
}

// ServerPreview is one segment's preview through the server process.
type ServerPreview struct {
	Segment string  `json:"segment"`
	People  int64   `json:"people"`
	HTTPMs  float64 `json:"httpMs"` // median of the runs, after one untimed
}

// ServerMemoryExport is one export the server process ran.
type ServerMemoryExport struct {
	Format string `json:"format"`
	Gzip   bool   `json:"gzip"`
	// Individuals is an export of people (a row each), not events.
	Individuals bool    `json:"individuals,omitempty"`
	Rows        int64   `json:"rows"`
	Seconds     float64 `json:"seconds"`
	// PeakRSS is the server's VmHWM after the export: its most
	// resident memory during it, DuckDB's included.
	PeakRSS int64 `json:"peakRss"`
}

// Peak is the largest PeakRSS of the event exports.
func (m *ServerMemory) Peak() (ServerMemoryExport, bool) {
	var peak ServerMemoryExport
	found := false
	for _, e := range m.Exports {
		if !e.Individuals && e.PeakRSS >= peak.PeakRSS {
			peak, found = e, true
		}
	}
	return peak, found
}

// measureServerMemory starts cfg.ServerCommand with serve's flags on the
// data folder (which the bench must have closed) and runs, for each
// format, a gzip export of everyone's events through it, and one of
// everyone's people as CSV, reading the process's peak resident set after
// each; then it times the five previews through it, so that the cost of
// its memory limit to them shows.
func measureServerMemory(ctx context.Context, cfg Config, adminKey string) (*ServerMemory, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	args := append(cfg.ServerCommand[1:len(cfg.ServerCommand):len(cfg.ServerCommand)],
		"--data", cfg.Dir, "--addr", addr, "--log-level", "warn")
	if cfg.ServerMemoryLimit != "" {
		args = append(args, "--memory-limit", cfg.ServerMemoryLimit)
	}
	cmd := exec.CommandContext(ctx, cfg.ServerCommand[0], args...)
	// The data folder has its keys; an admin key in the environment
	// would only add one.
	cmd.Env = withoutEnv(os.Environ(), "BACKSTORY_ADMIN_KEY")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the server: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			return err
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			return errors.New("the server did not stop within 30 s of SIGTERM")
		}
	}
	defer stop()

	url := "http://" + addr
	if err := waitHealthy(ctx, url, exited); err != nil {
		return nil, fmt.Errorf("%w; its log: %s", err, strings.TrimSpace(stderr.String()))
	}
	pid := cmd.Process.Pid
	status := func(field string) int64 { return statusOf(pid, field) }
	res := &ServerMemory{Command: strings.Join(append(cfg.ServerCommand[:1:1], args...), " "),
		StartRSS: status("VmRSS"), HWMReset: true}

	client := &server{url: url, adminKey: adminKey,
		client: &http.Client{Transport: &http.Transport{DisableCompression: true}}}
	var cases []exportCase
	for _, f := range exportFormats {
		if cfg.wantsFormat(f) {
			cases = append(cases, exportCase{seg: "everyone", format: f, gzip: true})
		}
	}
	// Everyone's people as CSV: one aggregation over every event.
	cases = append(cases, exportCase{seg: "everyone", format: exportFormats[0], gzip: true,
		individuals: true})
	for _, c := range cases {
		progress(cfg, "server process export", "format", c.format.Name, "individuals", c.individuals)
		if os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) != nil {
			res.HWMReset = false
		}
		start := time.Now()
		op, err := client.runExport(ctx, c)
		if err != nil {
			return res, fmt.Errorf("server process %s export: %w", c.format.Name, err)
		}
		res.Exports = append(res.Exports, ServerMemoryExport{Format: c.format.Name, Gzip: true,
			Individuals: c.individuals, Rows: op.Rows, Seconds: time.Since(start).Seconds(),
			PeakRSS: status("VmHWM")})
	}
	progress(cfg, "server process previews")
	os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
	for _, pc := range previewCases {
		var times []float64
		var pr PreviewResult
		for run := -1; run < cfg.Runs; run++ {
			took, err := client.previewHTTP(ctx, pc, &pr)
			if err != nil {
				return res, fmt.Errorf("server process preview %s: %w", pc.Name, err)
			}
			if run >= 0 {
				times = append(times, ms(took))
			}
		}
		res.Previews = append(res.Previews, ServerPreview{Segment: pc.Name,
			People: pr.People, HTTPMs: median(times)})
	}
	res.PreviewPeakRSS = status("VmHWM")
	if err := stop(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 0 {
			return res, fmt.Errorf("the server process ended badly: %w; its log: %s",
				err, strings.TrimSpace(stderr.String()))
		}
	}
	return res, nil
}

// waitHealthy polls the server's /healthz until it answers 200.
func waitHealthy(ctx context.Context, url string, exited <-chan error) error {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-exited:
			return fmt.Errorf("the server process exited before it was ready: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return errors.New("the server process was not ready within 2 minutes")
}

// freeAddr finds a free loopback port for the server to listen on.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// statusOf reads a kB field of another process's /proc status, in bytes.
func statusOf(pid int, field string) int64 {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	return statusField(string(raw), field)
}

func withoutEnv(env []string, name string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}
