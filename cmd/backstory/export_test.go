package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/backstory-dev/backstory/internal/client/clienttest"
)

const cliKey = "bk_cli_test"

// runCLI runs the binary's root command with args and the test key.
func runCLI(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	return runCLIWithKey(t, cliKey, args...)
}

// runCLIWithKey runs the root command with args and the given key, or
// none, skipping real waits between tries. It changes the process
// environment, so tests using it do not run in parallel.
func runCLIWithKey(t *testing.T, key string, args ...string) (stdout,
	stderr string, err error) {
	t.Helper()
	return execute(t, context.Background(), key, args...)
}

func execute(t *testing.T, ctx context.Context, key string,
	args ...string) (stdout, stderr string, err error) {
	t.Helper()
	t.Setenv("BACKSTORY_API_KEY", key)
	retrySleep = func(time.Duration) {}
	t.Cleanup(func() { retrySleep = nil })

	var out, errOut bytes.Buffer
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errOut)
	err = root.ExecuteContext(ctx)
	return out.String(), errOut.String(), err
}

func newExportServer(t *testing.T) *clienttest.Server {
	t.Helper()
	srv := clienttest.NewServer(t, cliKey)
	srv.File = bytes.Repeat([]byte("\x1f\x8b compressed bytes "), 4000)
	srv.Filename = "backstory-everyone-2024-05-09.csv.gz"
	srv.Pending = 2
	return srv
}

func TestExportWritesFile(t *testing.T) {
	srv := newExportServer(t)
	srv.CutAfter = len(srv.File) / 2
	out := filepath.Join(t.TempDir(), "may.csv.gz")

	stdout, stderr, err := runCLI(t, "export", "--server", srv.URL,
		"--from", "2024-05-01", "--to", "2024-05-02",
		"--timezone", "America/New_York", "--fields", "EventStart, EventType",
		"--scope", "event", "-o", out)
	if err != nil {
		t.Fatalf("export: %v\nstderr: %s", err, stderr)
	}

	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, srv.File) {
		t.Errorf("file has %d bytes, differing from the %d served",
			len(got), len(srv.File))
	}
	if !strings.Contains(stdout, out) {
		t.Errorf("stdout %q does not name the file", stdout)
	}
	assertNoPartFiles(t, filepath.Dir(out))

	req := srv.Exports()[0]
	want := map[string]any{
		"segmentId": "everyone", "type": "TYPE_EVENT",
		"format": "FORMAT_CSV", "timezone": "America/New_York",
		"timeRange": map[string]any{"start": "2024-05-01T04:00:00Z",
			"end": "2024-05-02T04:00:00Z"},
		"fields":       []any{"EventStart", "EventType"},
		"eventDetails": map[string]any{"scope": "SCOPE_EVENT"},
	}
	for k, v := range want {
		if !reflect.DeepEqual(req[k], v) {
			t.Errorf("request %s = %v, want %v", k, req[k], v)
		}
	}
	if _, ok := req["compression"]; ok {
		t.Errorf("request sets compression %v, want the server's default",
			req["compression"])
	}
}

func TestExportNamesFileAsServerDoes(t *testing.T) {
	srv := newExportServer(t)
	t.Chdir(t.TempDir())

	if _, stderr, err := runCLI(t, "export", "--server", srv.URL, "-q"); err != nil {
		t.Fatalf("export: %v\nstderr: %s", err, stderr)
	}
	if _, err := os.Stat(srv.Filename); err != nil {
		t.Errorf("want the file under the server's name: %v", err)
	}
}

func TestExportSplitsByLocalDayAcrossDST(t *testing.T) {
	srv := newExportServer(t)
	dir := t.TempDir()

	_, stderr, err := runCLI(t, "export", "--server", srv.URL,
		"--format", "ndjson", "--split", "day",
		"--from", "2024-11-02", "--to", "2024-11-05",
		"--timezone", "America/New_York",
		"-o", filepath.Join(dir, "out.ndjson.gz"))
	if err != nil {
		t.Fatalf("export: %v\nstderr: %s", err, stderr)
	}

	// Each local day, from its midnight to the next: the fall-back day
	// lasts 25 hours, and each day starts where the last one ended.
	wantRanges := [][2]string{
		{"2024-11-02T04:00:00Z", "2024-11-03T04:00:00Z"},
		{"2024-11-03T04:00:00Z", "2024-11-04T05:00:00Z"},
		{"2024-11-04T05:00:00Z", "2024-11-05T05:00:00Z"},
	}
	exports := srv.Exports()
	if len(exports) != len(wantRanges) {
		t.Fatalf("made %d exports, want %d", len(exports), len(wantRanges))
	}
	for i, want := range wantRanges {
		tr := exports[i]["timeRange"].(map[string]any)
		if tr["start"] != want[0] || tr["end"] != want[1] {
			t.Errorf("export %d range = [%v, %v), want [%s, %s)",
				i, tr["start"], tr["end"], want[0], want[1])
		}
	}

	for _, day := range []string{"2024-11-02", "2024-11-03", "2024-11-04"} {
		path := filepath.Join(dir, "out-"+day+".ndjson.gz")
		if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, srv.File) {
			t.Errorf("%s: want the served bytes (err %v)", path, err)
		}
	}
	assertNoPartFiles(t, dir)
}

func TestExportFailureShowsDetails(t *testing.T) {
	srv := newExportServer(t)
	srv.FailDetails = "field Nope does not exist"
	dir := t.TempDir()

	_, _, err := runCLI(t, "export", "--server", srv.URL,
		"-o", filepath.Join(dir, "x.csv.gz"))
	if err == nil || !strings.Contains(err.Error(), srv.FailDetails) {
		t.Fatalf("err = %v, want it to carry %q", err, srv.FailDetails)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed export left files: %v", entries)
	}
}

func TestExportInterruptedStopsCleanly(t *testing.T) {
	srv := newExportServer(t)
	srv.Pending = 1000
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv.Intercept = func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasPrefix(r.URL.Path, "/operations/") {
			cancel() // the person presses Ctrl-C while the export runs
		}
		return false
	}
	dir := t.TempDir()

	_, _, err := execute(t, ctx, cliKey, "export", "--server", srv.URL,
		"-o", filepath.Join(dir, "x.csv.gz"))
	var exit exitError
	if !errors.As(err, &exit) || exit.code != 130 {
		t.Fatalf("err = %v, want exit code 130", err)
	}

	calls := srv.Calls()
	last := calls[len(calls)-1]
	if last.Method != http.MethodPost || last.Path != "/operations/v1/op-1/cancel" {
		t.Errorf("last call = %s %s, want the operation cancelled",
			last.Method, last.Path)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("interrupted export left files: %v", entries)
	}
}

func TestExportExplainsCommonErrors(t *testing.T) {
	closed := clienttest.NewServer(t, cliKey)
	closed.Close()
	wrongKey := clienttest.NewServer(t, "another key")

	tests := []struct {
		name string
		args []string
		key  string
		want string
	}{
		{name: "missing key", args: []string{"--server", wrongKey.URL},
			key: "", want: "BACKSTORY_API_KEY"},
		{name: "unreachable", args: []string{"--server", closed.URL},
			key:  cliKey,
			want: "cannot reach " + closed.URL + ": is `backstory serve` running?"},
		{name: "wrong key", args: []string{"--server", wrongKey.URL},
			key: cliKey, want: "refused the API key"},
		{name: "bad type", args: []string{"--type", "sessions"},
			key: cliKey, want: "--type must be one of events, individuals"},
		{name: "split without range", args: []string{"--split", "day"},
			key: cliKey, want: "--split day needs both --from and --to"},
		{name: "bad date", args: []string{"--from", "May 1"},
			key: cliKey, want: "--from:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"export", "-q"}, tc.args...)
			_, _, err := runCLIWithKey(t, tc.key, args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestOutputPath(t *testing.T) {
	now := time.Date(2024, 5, 9, 23, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		flags  exportFlags
		day    string
		served string
		want   string
	}{
		{name: "-o as given", flags: exportFlags{output: "out.csv.gz"},
			served: "srv.csv.gz", want: "out.csv.gz"},
		{name: "-o with day", flags: exportFlags{output: "d/out.csv.gz"},
			day: "2024-05-01", want: "d/out-2024-05-01.csv.gz"},
		{name: "-o with day, plain", flags: exportFlags{output: "out.parquet"},
			day: "2024-05-01", want: "out-2024-05-01.parquet"},
		{name: "-o with day, no extension", flags: exportFlags{output: "out"},
			day: "2024-05-01", want: "out-2024-05-01"},
		{name: "-o with day, unknown extension",
			flags: exportFlags{output: "out.v2.txt"},
			day:   "2024-05-01", want: "out.v2.txt-2024-05-01"},
		{name: "server's name", served: "srv.csv.gz", want: "srv.csv.gz"},
		{name: "fallback",
			flags: exportFlags{segment: "my seg", format: "json"},
			want:  "backstory-my_seg-2024-05-09.json.gz"},
		{name: "split ignores server's name",
			flags: exportFlags{segment: "everyone", format: "csv",
				compression: "none"},
			day: "2024-03-10", served: "srv.csv",
			want: "backstory-everyone-2024-03-10.csv"},
		{name: "parquet",
			flags: exportFlags{segment: "s", format: "parquet",
				compression: "zstd"},
			want: "backstory-s-2024-05-09.parquet"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			job := exportJob{day: tc.day}
			got := tc.flags.outputPath(job, tc.served, now)
			if got != filepath.FromSlash(tc.want) {
				t.Errorf("outputPath = %q, want %q", got, tc.want)
			}
		})
	}
}

func assertNoPartFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".part") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}
