package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
)

// FuzzReader feeds arbitrary bytes to the reader: it must not panic, and
// every row it returns must hold values of the catalog's types and
// properties that are valid JSON.
func FuzzReader(f *testing.F) {
	seeds := []string{
		`[{"IndvId":1,"EventStart":"2020-08-27T06:20:26.900Z","evt_a_reals":[1.5]}]`,
		`{"PageIp":"","EventModDead":true,"user_x_date":"2020-08-27T06:20:26Z"}` + "\n{}",
		"\ufeffIndvId,PageIp,evt_n_int\r\n1,\"\",4\r\n2,,\n",
		"EventTargetText\n\"a\r\nb\"\n",
		"",
		"[",
		`{"a":`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
		f.Add(gzipped(f, []byte(s)))
	}
	if sample, err := os.ReadFile(samplePath); err == nil {
		f.Add(sample[:min(len(sample), 4096)])
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := NewReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		for i := 1; i <= 1000; i++ {
			row, err := rd.Next()
			if err != nil {
				if _, again := rd.Next(); again != err {
					t.Fatalf("error changed from %v to %v", err, again)
				}
				var pe *ParseError
				if err != io.EOF && !errors.As(err, &pe) {
					t.Fatalf("error %v is %T, want *ParseError", err, err)
				}
				return
			}
			if row.Line != i {
				t.Fatalf("Line = %d, want %d", row.Line, i)
			}
			checkRow(t, row)
		}
	})
}

// checkRow fails when a row holds a value of the wrong type.
func checkRow(t *testing.T, row Row) {
	t.Helper()
	for name, v := range row.Record.Values {
		c, ok := catalog[name]
		if !ok {
			t.Fatalf("value for unknown column %q", name)
		}
		if !hasKind(v, c.Kind) {
			t.Fatalf("column %s holds %T, want kind %d", name, v, c.Kind)
		}
	}
	all := []event.Props{
		row.Record.EventProps, row.Record.PageProps, row.Person.Props,
	}
	for _, props := range all {
		for key, raw := range props {
			if _, ok := event.ParsePropKey(key); !ok || !json.Valid(raw) {
				t.Fatalf("property %q = %q is not a valid stored value", key, raw)
			}
		}
	}
}

func hasKind(v any, k event.Kind) bool {
	switch v := v.(type) {
	case int64:
		return k == event.KindInt || k == event.KindFlag && (v == 0 || v == 1)
	case float64:
		return k == event.KindFloat
	case string:
		return k == event.KindString
	case time.Time:
		return k == event.KindTime && v.Location() == time.UTC
	case json.RawMessage:
		return k == event.KindJSON
	}
	return false
}
