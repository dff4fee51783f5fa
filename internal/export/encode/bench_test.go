package encode

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
)

// benchFields is a typical event export: 20 columns of every kind.
var benchFields = []Field{
	{"IndvId", event.KindInt}, {"UserId", event.KindInt},
	{"SessionId", event.KindInt}, {"PageId", event.KindInt},
	{"UserEmail", event.KindString}, {"EventStart", event.KindTime},
	{"EventType", event.KindString}, {"EventTargetText", event.KindString},
	{"EventSessionOffset", event.KindInt},
	{"EventModFrustrated", event.KindFlag}, {"EventModDead", event.KindFlag},
	{"SessionStart", event.KindTime}, {"PageStart", event.KindTime},
	{"PageUrl", event.KindString}, {"PageUserAgent", event.KindString},
	{"PageBrowser", event.KindString}, {"PageDevice", event.KindString},
	{"PageScreenWidth", event.KindInt}, {"evt_price_real", event.KindFloat},
	{"evt_tags_strs", event.KindJSON},
}

// benchRows makes n distinct rows to cycle through.
func benchRows(n int) [][]any {
	rng := rand.New(rand.NewPCG(7, 8))
	types := []string{"click", "navigate", "change", "custom", "seen"}
	browsers := []string{"Chrome", "Firefox", "Safari", "Edge"}
	start := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	ua := "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 " +
		"(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"

	rows := make([][]any, n)
	for i := range rows {
		at := start.Add(time.Duration(rng.Int64N(int64(24 * time.Hour))))
		var tags any
		if i%4 == 0 {
			tags = json.RawMessage(`["new","promo"]`)
		}
		var text any = fmt.Sprintf("Add to cart, item %d", rng.IntN(1000))
		if i%3 == 0 {
			text = nil
		}
		rows[i] = []any{
			rng.Int64N(1 << 50), rng.Int64N(1 << 50), rng.Int64N(1 << 50),
			rng.Int64N(1 << 50), fmt.Sprintf("user%d@example.com", i),
			at, types[i%len(types)], text, rng.Int64N(3600000),
			int64(i % 2), int64(0), at.Add(-time.Hour), at.Add(-time.Minute),
			fmt.Sprintf("https://shop.example/p/%d?ref=x", rng.IntN(500)),
			ua, browsers[i%len(browsers)], "Desktop", int64(1920),
			float64(rng.IntN(100000)) / 100, tags,
		}
	}
	return rows
}

// countWriter counts and drops what is written.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// benchWrite writes b.N rows; each op is one row. Run with
// -benchtime=1000000x for a million-row file.
func benchWrite(b *testing.B, f Format, c Compression) {
	benchRowsOf(b, f, c, benchFields, benchRows(4096))
}

// benchRowsOf writes b.N rows of fields, cycling through rows, in format
// f with compression c, and reports rows/s and bytes a row.
func benchRowsOf(b *testing.B, f Format, c Compression, fields []Field, rows [][]any) {
	var out countWriter
	zw, err := Compress(&out, OuterCompression(f, c))
	if err != nil {
		b.Fatal(err)
	}
	w, err := NewWriter(zw, f, fields, Options{Compression: c,
		EscapeFormulas: true})
	if err != nil {
		b.Fatal(err)
	}

	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := w.Write(rows[i%len(rows)]); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()

	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(out.n)/float64(b.N), "B/row")
}

func BenchmarkCSV(b *testing.B)    { benchWrite(b, FormatCSV, "") }
func BenchmarkNDJSON(b *testing.B) { benchWrite(b, FormatNDJSON, "") }
func BenchmarkJSON(b *testing.B)   { benchWrite(b, FormatJSON, "") }

// BenchmarkParquet writes zstd pages, the default.
func BenchmarkParquet(b *testing.B) { benchWrite(b, FormatParquet, "") }

func BenchmarkCSVGzip(b *testing.B) {
	benchWrite(b, FormatCSV, CompressionGzip)
}

func BenchmarkCSVZstd(b *testing.B) {
	benchWrite(b, FormatCSV, CompressionZstd)
}

func BenchmarkNDJSONGzip(b *testing.B) {
	benchWrite(b, FormatNDJSON, CompressionGzip)
}

// BenchmarkParquetNone writes uncompressed pages, the case compared with
// DuckDB's COPY ... (FORMAT parquet).
func BenchmarkParquetNone(b *testing.B) {
	benchWrite(b, FormatParquet, CompressionNone)
}

func BenchmarkParquetGzip(b *testing.B) {
	benchWrite(b, FormatParquet, CompressionGzip)
}
