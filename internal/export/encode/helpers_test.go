package encode

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// encodeAll writes rows in format f and returns the file.
func encodeAll(t testing.TB, f Format, fields []Field, rows [][]any, opt Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, f, fields, opt)
	if err != nil {
		t.Fatalf("NewWriter(%s): %v", f, err)
	}
	for i, row := range rows {
		if err := w.Write(row); err != nil {
			t.Fatalf("Write row %d: %v", i, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return buf.Bytes()
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}

	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s mismatch\ngot:\n%q\nwant:\n%q", name, got, want)
	}
}

// strFields makes fields of kind string.
func strFields(names ...string) []Field {
	fields := make([]Field, len(names))
	for i, n := range names {
		fields[i] = Field{Name: n, Kind: event.KindString}
	}
	return fields
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// parseCSV reads RFC 4180 records the way a careful reader does: CR and
// CRLF inside quoted cells are kept byte for byte (encoding/csv turns
// CRLF into LF), records end in LF or CRLF, and an empty unquoted cell
// is nil while a quoted empty cell is "".
func parseCSV(data []byte) ([][]*string, error) {
	var records [][]*string
	var record []*string
	i := 0
	for i < len(data) {
		cell, next, err := parseCell(data, i)
		if err != nil {
			return nil, err
		}
		record = append(record, cell)
		i = next

		switch {
		case i == len(data):
			return nil, fmt.Errorf("offset %d: record does not end in LF", i)
		case data[i] == ',':
			i++
			if i == len(data) {
				return nil, fmt.Errorf("offset %d: file ends after a comma", i)
			}
		case data[i] == '\n':
			records, record = append(records, record), nil
			i++
		case data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n':
			records, record = append(records, record), nil
			i += 2
		default:
			return nil, fmt.Errorf("offset %d: unexpected byte %q", i, data[i])
		}
	}
	return records, nil
}

// parseCell reads one cell starting at i and returns the offset after it.
func parseCell(data []byte, i int) (*string, int, error) {
	if i < len(data) && data[i] == '"' {
		var val []byte
		for j := i + 1; j < len(data); j++ {
			if data[j] != '"' {
				val = append(val, data[j])
				continue
			}
			if j+1 < len(data) && data[j+1] == '"' {
				val = append(val, '"')
				j++
				continue
			}
			s := string(val)
			return &s, j + 1, nil
		}
		return nil, 0, fmt.Errorf("offset %d: unterminated quoted cell", i)
	}

	j := i
	for ; j < len(data); j++ {
		c := data[j]
		crlf := c == '\r' && j+1 < len(data) && data[j+1] == '\n'
		if c == ',' || c == '\n' || crlf {
			break
		}
		if c == '"' || c == '\r' {
			return nil, 0, fmt.Errorf("offset %d: %q in unquoted cell", j, c)
		}
	}
	if j == i {
		return nil, j, nil
	}
	s := string(data[i:j])
	return &s, j, nil
}
