package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backstory-dev/backstory/internal/store"
)

// TestRunTiny runs the whole bench on 20,000 events, once, and checks
// that every measurement ran and agrees with itself: the speeds are not
// judged here.
func TestRunTiny(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{Events: 20_000, People: 400, Seed: 7, Runs: 1, Dir: dir,
		IngestEvents: 2000, BatchSize: 500, GzipSample: 1 << 20,
		Command: "backstory bench --events 20000"}
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}

	if res.Load.Events != cfg.Events || res.Load.Reused {
		t.Errorf("load: got %d events (reused %v), want %d fresh",
			res.Load.Events, res.Load.Reused, cfg.Events)
	}
	if len(res.Ingest) != 2 {
		t.Fatalf("got %d ingest results, want 2", len(res.Ingest))
	}
	for _, in := range res.Ingest {
		if in.Rate <= 0 || in.Acked == 0 || in.Acked != in.Stored {
			t.Errorf("%s: rate %.0f, acknowledged %d, stored %d", in.Endpoint,
				in.Rate, in.Acked, in.Stored)
		}
	}
	if len(res.Preview) != len(previewCases) {
		t.Fatalf("got %d previews, want %d", len(res.Preview), len(previewCases))
	}
	for _, p := range res.Preview {
		if p.People == 0 || p.HandPeople != p.People {
			t.Errorf("preview %s: hand-written SQL counted %d, preview %d",
				p.Segment, p.HandPeople, p.People)
		}
	}
	if got, want := len(res.Export.Cases), 2*2*len(exportFormats); got != want {
		t.Fatalf("got %d export cases, want %d", got, want)
	}
	for _, c := range res.Export.Cases {
		if c.Rows == 0 || c.Rows != c.PreviewRows || c.Copy.Rows != c.Rows ||
			c.FileRows >= 0 && c.FileRows != c.Rows {
			t.Errorf("%s %s gzip=%v: wrote %d, file %d, preview %d, COPY %d",
				c.Segment, c.Format, c.Gzip, c.Rows, c.FileRows, c.PreviewRows,
				c.Copy.Rows)
		}
	}
	for _, target := range res.Targets {
		if strings.Contains(target.Want, "equal") && !target.Met {
			t.Errorf("%s: %s", target.Name, target.Got)
		}
	}

	var text bytes.Buffer
	res.WriteText(&text)
	for _, want := range []string{"POST /v2/events/batch", "sequence in session",
		"CSV gzip", "x COPY", "Targets"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the text report lacks %q", want)
		}
	}
	if _, err := json.Marshal(res); err != nil {
		t.Fatal(err)
	}

	// A second run on the folder reuses the data set.
	cfg.Only = []string{PhasePreview}
	again, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Load.Reused || again.Load.Events != cfg.Events {
		t.Errorf("second run: reused %v, %d events; want the same data set reused",
			again.Load.Reused, again.Load.Events)
	}
	for i, p := range again.Preview {
		if p.People != res.Preview[i].People {
			t.Errorf("second run: %s counted %d, first %d", p.Segment, p.People,
				res.Preview[i].People)
		}
	}
}

func TestWriteMarkdownFileKeepsProse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "benchmarks.md")
	before := "# Benchmarks\n\nHow to read this.\n\n"
	after := "\n\n## Analysis\n\nWhy.\n"
	old := before + markBegin + "\nstale\n" + markEnd + after
	if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	res := &Result{Command: "backstory bench", Config: ConfigSummary{Runs: 1}}
	if err := res.WriteMarkdownFile(path); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := string(raw)
	if !strings.HasPrefix(got, before+markBegin) || !strings.HasSuffix(got, markEnd+after) {
		t.Errorf("the prose around the markers changed:\n%s", got)
	}
	if strings.Contains(got, "stale") || !strings.Contains(got, "`backstory bench`") {
		t.Errorf("the results between the markers were not replaced:\n%s", got)
	}
}

func TestInline(t *testing.T) {
	for _, tc := range []struct {
		name string
		sql  string
		args []any
		want string
	}{
		{"in order", "a = ? AND b = ?", []any{"x'y", int64(3)}, "a = 'x''y' AND b = 3"},
		{"quoted mark kept", "p = '$.\"a?\"' AND c = ?", []any{true}, "p = '$.\"a?\"' AND c = true"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := inline(storeQuery(tc.sql, tc.args...))
			if err != nil || got != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	if _, err := inline(storeQuery("a = ? AND b = ?", 1)); err == nil {
		t.Error("got no error for a missing argument")
	}
}

func storeQuery(sql string, args ...any) store.Query {
	return store.Query{SQL: sql, Args: args}
}
