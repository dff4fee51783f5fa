package duckdb

import (
	"context"
	"strings"
	"testing"
)

func TestParseMemoryLimit(t *testing.T) {
	for s, want := range map[string]int64{
		"256MB": 256_000_000, "1GiB": 1 << 30, "1.5 gb": 1_500_000_000, "512KiB": 512 << 10,
		"": -1, "abc": -1, "0": -1, "-5MB": -1, "12": -1, "5 parsecs": -1, "0MB": -1,
		"1GB'; DROP TABLE events; --": -1,
	} {
		got, err := ParseMemoryLimit(s)
		if want < 0 {
			if err == nil || !strings.Contains(err.Error(), "256MB") {
				t.Errorf("ParseMemoryLimit(%q) = %d, %v; want an error with an example", s, got, err)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("ParseMemoryLimit(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	// Open takes the limit it was given, and refuses one it cannot read.
	db, err := Open(context.Background(), Options{MemoryLimit: "300MiB"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var set string
	db.SQL().QueryRow("SELECT current_setting('memory_limit')").Scan(&set)
	if set != "300.0 MiB" {
		t.Errorf("memory_limit = %q, want 300.0 MiB", set)
	}
	if _, err := Open(context.Background(), Options{MemoryLimit: "lots"}); err == nil {
		t.Error(`Open took a memory limit of "lots"`)
	}
}
