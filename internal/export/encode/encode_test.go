package encode

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
)

// BUG-35: an empty result has an exact, valid form in every format.
func TestEmptyOutputs(t *testing.T) {
	fields := []Field{
		{Name: "event_id", Kind: event.KindString},
		{Name: "event_time", Kind: event.KindTime},
		{Name: "props.qty", Kind: event.KindFloat},
	}
	cases := []struct {
		format Format
		want   string
	}{
		{FormatCSV, "event_id,event_time,props.qty\n"},
		{FormatJSON, "[]"},
		{FormatNDJSON, ""},
	}
	for _, tc := range cases {
		t.Run(string(tc.format), func(t *testing.T) {
			got := encodeAll(t, tc.format, fields, nil, Options{})
			if string(got) != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// A fixture with every kind and the awkward values, checked against
// golden files per format. Run with -update to rewrite them.
func TestGolden(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	fields := []Field{
		{Name: "IndvId", Kind: event.KindInt},
		{Name: "EventStart", Kind: event.KindTime},
		{Name: "EventType", Kind: event.KindString},
		{Name: "EventTargetText", Kind: event.KindString},
		{Name: "EventModFrustrated", Kind: event.KindFlag},
		{Name: "evt_price_real", Kind: event.KindFloat},
		{Name: "evt_tags_strs", Kind: event.KindJSON},
		{Name: "user_plan_str", Kind: event.KindString},
	}
	rows := [][]any{
		{int64(9007199254740991), mustTime(t, "2024-03-10T06:59:59.9996Z"),
			"click", "Save, \"draft\"\r\nnow", int64(1), 0.1,
			json.RawMessage(`["a", "b"]`), ""},
		{int64(2), mustTime(t, "2024-03-10T07:00:00Z"), "custom",
			"=SUM(A1)", int64(0), 2.0, nil, nil},
		{int64(3), nil, "navigate", "Añadir 🛒 <b>&", nil, -1e-7,
			[]byte(`{"k":[1,2.5,true,null]}`), "pro"},
	}

	for _, f := range []Format{FormatCSV, FormatJSON, FormatNDJSON} {
		t.Run(string(f), func(t *testing.T) {
			got := encodeAll(t, f, fields, rows, Options{Location: ny,
				EscapeFormulas: true})
			golden(t, "mixed"+FileExtension(f, CompressionNone), got)
		})
	}
}

func TestNewWriterUnknownFormat(t *testing.T) {
	_, err := NewWriter(&bytes.Buffer{}, "FORMAT_XML", nil, Options{})
	if !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("got %v, want ErrUnknownFormat", err)
	}
}

func TestNames(t *testing.T) {
	cases := []struct {
		format      Format
		compression Compression
		ext         string
		contentType string
		outer       Compression
	}{
		{FormatCSV, CompressionGzip, ".csv.gz", "application/gzip",
			CompressionGzip},
		{FormatJSON, CompressionGzip, ".json.gz", "application/gzip",
			CompressionGzip},
		{FormatNDJSON, CompressionGzip, ".ndjson.gz", "application/gzip",
			CompressionGzip},
		{FormatCSV, CompressionZstd, ".csv.zst", "application/zstd",
			CompressionZstd},
		{FormatCSV, CompressionNone, ".csv", "text/csv", CompressionNone},
		{FormatJSON, "", ".json", "application/json", CompressionNone},
		{FormatNDJSON, CompressionNone, ".ndjson", "application/x-ndjson",
			CompressionNone},
		{FormatParquet, CompressionGzip, ".parquet",
			"application/vnd.apache.parquet", CompressionNone},
		{FormatParquet, CompressionZstd, ".parquet",
			"application/vnd.apache.parquet", CompressionNone},
		{FormatParquet, CompressionNone, ".parquet",
			"application/vnd.apache.parquet", CompressionNone},
	}
	for _, tc := range cases {
		name := string(tc.format) + "/" + string(tc.compression)
		t.Run(name, func(t *testing.T) {
			if got := FileExtension(tc.format, tc.compression); got != tc.ext {
				t.Errorf("FileExtension = %q, want %q", got, tc.ext)
			}
			got := ContentType(tc.format, tc.compression)
			if got != tc.contentType {
				t.Errorf("ContentType = %q, want %q", got, tc.contentType)
			}
			got2 := OuterCompression(tc.format, tc.compression)
			if got2 != tc.outer {
				t.Errorf("OuterCompression = %q, want %q", got2, tc.outer)
			}
		})
	}
}

// failWriter fails every write.
type failWriter struct{}

var errDisk = errors.New("disk full")

func (failWriter) Write([]byte) (int, error) { return 0, errDisk }

// A failed write is reported, and sticks.
func TestWriteErrorSticks(t *testing.T) {
	for _, f := range []Format{FormatCSV, FormatJSON, FormatNDJSON,
		FormatParquet} {
		t.Run(string(f), func(t *testing.T) {
			w, err := NewWriter(failWriter{}, f, strFields("a"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				if err := w.Write([]any{"x"}); err != nil {
					break
				}
			}
			err = w.Close()
			if !errors.Is(err, errDisk) {
				t.Fatalf("Close: got %v, want %v", err, errDisk)
			}
			if err := w.Write([]any{"x"}); err == nil {
				t.Error("Write after a failure: got no error")
			}
		})
	}
}

// A flag is 0 or 1 in every format, whether the store hands over an
// int64 or a bool; a bool elsewhere is a JSON boolean.
func TestFlagsAreNumbers(t *testing.T) {
	fields := []Field{
		{Name: "EventModDead", Kind: event.KindFlag},
		{Name: "user_trial_bool", Kind: event.KindJSON},
	}
	rows := [][]any{{true, true}, {int64(0), false}}
	cases := []struct {
		format Format
		want   string
	}{
		{FormatCSV, "EventModDead,user_trial_bool\n1,true\n0,false\n"},
		{FormatNDJSON, `{"EventModDead":1,"user_trial_bool":true}` + "\n" +
			`{"EventModDead":0,"user_trial_bool":false}` + "\n"},
	}
	for _, tc := range cases {
		t.Run(string(tc.format), func(t *testing.T) {
			got := encodeAll(t, tc.format, fields, rows, Options{})
			if string(got) != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestUseAfterClose(t *testing.T) {
	for _, f := range []Format{FormatCSV, FormatJSON, FormatNDJSON,
		FormatParquet} {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			w, err := NewWriter(&buf, f, strFields("a"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			size := buf.Len()
			if err := w.Write([]any{"x"}); !errors.Is(err, ErrClosed) {
				t.Errorf("Write: got %v, want ErrClosed", err)
			}
			if err := w.Close(); !errors.Is(err, ErrClosed) {
				t.Errorf("second Close: got %v, want ErrClosed", err)
			}
			if buf.Len() != size {
				t.Error("bytes written after Close")
			}
		})
	}
}
