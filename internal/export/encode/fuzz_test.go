package encode

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// Any strings, written as CSV and read back by a reader that keeps CR
// and CRLF, come back byte for byte; nil stays apart from "".
func FuzzCSVRoundTrip(f *testing.F) {
	f.Add("name", "Save, \"draft\"\nnow", "line1\r\nline2", false)
	f.Add("=h", "a\rb", "", true)
	f.Add(" ", " padded ", "'=already", true)
	f.Add("\t", "\r=2", "-", true)

	f.Fuzz(func(t *testing.T, header, a, b string, escape bool) {
		fields := strFields(header, "b", "missing")
		rows := [][]any{{a, b, nil}, {b, a, nil}}
		data := encodeAll(t, FormatCSV, fields, rows,
			Options{EscapeFormulas: escape})

		records, err := parseCSV(data)
		if err != nil {
			t.Fatalf("parse %q: %v", data, err)
		}
		want := [][]string{{header, "b", "missing"}, {a, b}, {b, a}}
		if len(records) != len(want) {
			t.Fatalf("got %d records, want %d", len(records), len(want))
		}
		for i, rec := range records {
			if len(rec) != 3 {
				t.Fatalf("record %d has %d cells, want 3", i, len(rec))
			}
			if i > 0 && rec[2] != nil {
				t.Errorf("record %d: missing value read as %q", i, *rec[2])
			}
			for j, w := range want[i] {
				if escape && isFormula(w) {
					w = "'" + w
				}
				if rec[j] == nil || *rec[j] != w {
					t.Errorf("record %d cell %d: got %v, want %q", i, j,
						rec[j], w)
				}
			}
		}
	})
}

// Any valid UTF-8 string, written as NDJSON, decodes to itself on one
// line.
func FuzzNDJSONRoundTrip(f *testing.F) {
	f.Add("Save, \"draft\"\nnow")
	f.Add("\x00\u2028<&>🛒")

	f.Fuzz(func(t *testing.T, s string) {
		data := encodeAll(t, FormatNDJSON, strFields(s), [][]any{{s}},
			Options{})
		if strings.Count(string(data), "\n") != 1 ||
			!strings.HasSuffix(string(data), "\n") {
			t.Fatalf("not one line: %q", data)
		}

		var obj map[string]string
		if err := json.Unmarshal(data, &obj); err != nil {
			t.Fatalf("decode %q: %v", data, err)
		}
		if !utf8.ValidString(s) {
			return
		}
		if got, ok := obj[s]; !ok || got != s {
			t.Errorf("got %v, want key and value %q", obj, s)
		}
	})
}
