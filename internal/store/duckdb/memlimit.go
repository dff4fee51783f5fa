package duckdb

import (
	"fmt"
	"strconv"
	"strings"
)

// memoryUnits are the units DuckDB takes for a memory limit, in bytes.
var memoryUnits = map[string]float64{
	"b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
}

// ParseMemoryLimit reads a memory limit as DuckDB spells one, a number
// and a unit ("256MB", "1.5GiB"; MB is 10^6 bytes, MiB 2^20), into bytes.
func ParseMemoryLimit(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i <= 0 {
		return 0, fmt.Errorf("memory limit %q is not a number and a unit, such as 256MB or 1GiB", s)
	}
	n, err := strconv.ParseFloat(t[:i], 64)
	unit, ok := memoryUnits[strings.TrimSpace(t[i:])]
	if err != nil || !ok || n <= 0 {
		return 0, fmt.Errorf("memory limit %q is not a number and a unit (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB), such as 256MB", s)
	}
	return int64(n * unit), nil
}
