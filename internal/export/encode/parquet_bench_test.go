package encode

import (
	"database/sql"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
)

// BenchmarkParquetFileRows writes real export rows: the first rows of
// the Parquet file named by BACKSTORY_BENCH_PARQUET (such as an export
// of the bench's data set, from its data folder's exports), read back
// with DuckDB into the Go types the store hands the encoder, cycled
// through b.N rows of an uncompressed file. The benchmarks in
// bench_test.go use 20 synthetic columns; this one has an export's real
// width, nulls and cardinalities.
//
//	BACKSTORY_BENCH_PARQUET=/tmp/b1m/exports/ID go test ./internal/export/encode \
//	  -run XXX -bench ParquetFileRows -benchtime 1000000x
func BenchmarkParquetFileRows(b *testing.B) {
	path := os.Getenv("BACKSTORY_BENCH_PARQUET")
	if path == "" {
		b.Skip("BACKSTORY_BENCH_PARQUET names no file")
	}
	fields, rows := readParquetRows(b, path, 32<<10)
	b.Logf("%d columns, %d distinct rows", len(fields), len(rows))

	for _, c := range []Compression{CompressionNone, CompressionGzip} {
		b.Run(string(c), func(b *testing.B) {
			benchRowsOf(b, FormatParquet, c, fields, rows)
		})
	}
}

// readParquetRows reads up to n rows of a Parquet file with DuckDB, each
// value as the store would hand it on: int64, float64, bool, string,
// time.Time in UTC, or nil.
func readParquetRows(tb testing.TB, path string, n int) ([]Field, [][]any) {
	tb.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()

	var fields []Field
	var names []string
	desc, err := db.Query("SELECT column_name, column_type FROM "+
		"(DESCRIBE SELECT * FROM read_parquet(?))", path)
	if err != nil {
		tb.Fatal(err)
	}
	for desc.Next() {
		var name, typ string
		if err := desc.Scan(&name, &typ); err != nil {
			tb.Fatal(err)
		}
		kind := event.KindString
		switch {
		case typ == "BIGINT":
			kind = event.KindInt
		case typ == "DOUBLE":
			kind = event.KindFloat
		case typ == "BOOLEAN":
			kind = event.KindBool
		case strings.HasPrefix(typ, "TIMESTAMP"):
			kind = event.KindTime
		}
		fields = append(fields, Field{Name: name, Kind: kind})
		names = append(names, `"`+strings.ReplaceAll(name, `"`, `""`)+`"`)
	}
	if err := desc.Err(); err != nil {
		tb.Fatal(err)
	}

	q := "SELECT " + strings.Join(names, ", ") +
		" FROM read_parquet(?) LIMIT ?"
	res, err := db.Query(q, path, n)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Close()
	var rows [][]any
	for res.Next() {
		row := make([]any, len(fields))
		ptrs := make([]any, len(fields))
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := res.Scan(ptrs...); err != nil {
			tb.Fatal(err)
		}
		for i, v := range row {
			if t, ok := v.(time.Time); ok {
				row[i] = t.UTC()
			}
		}
		rows = append(rows, row)
	}
	if err := res.Err(); err != nil {
		tb.Fatal(err)
	}
	return fields, rows
}
