package encode

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/backstory-dev/backstory/internal/event"
)

// writeParquet writes rows to a Parquet file in a temporary folder and
// returns its path.
func writeParquet(t *testing.T, fields []Field, rows [][]any, opt Options) string {
	t.Helper()
	data := encodeAll(t, FormatParquet, fields, rows, opt)
	if !bytes.HasPrefix(data, []byte("PAR1")) ||
		!bytes.HasSuffix(data, []byte("PAR1")) {
		t.Fatalf("file does not start and end with PAR1")
	}

	path := filepath.Join(t.TempDir(), "export.parquet")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// duck opens an in-memory DuckDB, the reader the Parquet files must
// satisfy.
func duck(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// queryStrings runs q and returns each row's columns cast to text, with
// "<null>" for NULL.
func queryStrings(t *testing.T, db *sql.DB, q string, args ...any) [][]string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()

	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = "<null>"
			if v.Valid {
				row[i] = v.String
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// describe lists "name TYPE" for each column of the file, in order.
func describe(t *testing.T, db *sql.DB, path string) []string {
	t.Helper()
	var out []string
	for _, r := range queryStrings(t, db,
		"SELECT column_name, column_type FROM "+
			"(DESCRIBE SELECT * FROM read_parquet(?))", path) {
		out = append(out, r[0]+" "+r[1])
	}
	return out
}

var allKinds = []Field{
	{Name: "z_id", Kind: event.KindInt},
	{Name: "a_flag", Kind: event.KindFlag},
	{Name: "m.real", Kind: event.KindFloat},
	{Name: "EventTargetText", Kind: event.KindString},
	{Name: "evt_tags_strs", Kind: event.KindJSON},
	{Name: "EventStart", Kind: event.KindTime},
}

var allKindsTypes = []string{
	"z_id BIGINT", "a_flag BIGINT", "m.real DOUBLE",
	"EventTargetText VARCHAR", "evt_tags_strs VARCHAR",
	"EventStart TIMESTAMP WITH TIME ZONE",
}

// Typed columns in field order; values read back by DuckDB; times
// truncated to microseconds (BUG-14); "" and null distinct (BUG-06);
// Unicode kept and no BOM (BUG-03); raw JSON as compact text (BUG-07);
// no formula escaping (BUG-02).
func TestParquetTypesAndValues(t *testing.T) {
	rows := [][]any{
		{int64(1 << 52), int64(1), 2.5, "Añadir al carrito 🛒",
			json.RawMessage(`[ "new", "promo" ]`),
			mustTime(t, "2024-02-02T09:15:05.0079Z")},
		{int64(-7), int64(0), 0.1, "", []byte(`{"b": 1, "a": [2]}`),
			mustTime(t, "2024-02-02T23:59:59.9999996Z")},
		{nil, nil, nil, nil, nil, nil},
		{int64(3), true, int64(2), "=1+1", []byte("null"),
			mustTime(t, "1969-12-31T23:59:59.9999999Z")},
		{int64(4), false, math.NaN(), "e\u0301", json.RawMessage(`"=x"`),
			mustTime(t, "2024-01-01T00:00:00Z")},
	}
	path := writeParquet(t, allKinds, rows,
		Options{EscapeFormulas: true, BOM: true})
	db := duck(t)

	if got := describe(t, db, path); !reflect.DeepEqual(got, allKindsTypes) {
		t.Errorf("columns\ngot  %q\nwant %q", got, allKindsTypes)
	}

	got := queryStrings(t, db, `SELECT z_id, a_flag, "m.real",
		EventTargetText, evt_tags_strs, epoch_us(EventStart)
		FROM read_parquet(?)`, path)
	want := [][]string{
		{"4503599627370496", "1", "2.5", "Añadir al carrito 🛒",
			`["new","promo"]`, "1706865305007900"},
		{"-7", "0", "0.1", "", `{"b":1,"a":[2]}`, "1706918399999999"},
		{"<null>", "<null>", "<null>", "<null>", "<null>", "<null>"},
		{"3", "1", "2", "=1+1", "<null>", "-1"},
		{"4", "0", "<null>", "e\u0301", "=x", "1704067200000000"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("values\ngot  %q\nwant %q", got, want)
	}

	// BUG-03: strings carry the STRING logical type; times are UTC
	// instants in microseconds.
	got = queryStrings(t, db, `SELECT type, logical_type::VARCHAR
		FROM parquet_schema(?) WHERE type IS NOT NULL`, path)
	wantLogical := []string{"IntType", "IntType", "<null>", "StringType",
		"StringType", "TimestampType(isAdjustedToUTC=1, unit=TimeUnit(" +
			"MILLIS=<null>, MICROS=MicroSeconds()"}
	wantPhysical := []string{"INT64", "INT64", "DOUBLE", "BYTE_ARRAY",
		"BYTE_ARRAY", "INT64"}
	for i, r := range got {
		if r[0] != wantPhysical[i] || !strings.HasPrefix(r[1], wantLogical[i]) {
			t.Errorf("column %d: got %s %s, want %s %s", i, r[0], r[1],
				wantPhysical[i], wantLogical[i])
		}
	}
}

// BUG-35: no rows still make a file with typed columns.
func TestParquetEmpty(t *testing.T) {
	fields := []Field{
		{Name: "event_id", Kind: event.KindString},
		{Name: "event_time", Kind: event.KindTime},
		{Name: "props.qty", Kind: event.KindFloat},
	}
	path := writeParquet(t, fields, nil, Options{})
	db := duck(t)

	want := []string{
		"event_id VARCHAR", "event_time TIMESTAMP WITH TIME ZONE",
		"props.qty DOUBLE",
	}
	if got := describe(t, db, path); !reflect.DeepEqual(got, want) {
		t.Errorf("columns\ngot  %q\nwant %q", got, want)
	}
	got := queryStrings(t, db, "SELECT count(*) FROM read_parquet(?)", path)
	if got[0][0] != "0" {
		t.Errorf("got %s rows, want 0", got[0][0])
	}
}

// BUG-08: mixed values in a string column keep their JSON text; a
// numeric-only property is a DOUBLE column, never truncated to INT64.
func TestParquetMixedTypes(t *testing.T) {
	values := []any{int64(2), 2.5, "3 items", true, nil, []byte("null"), 0.1}
	var rows [][]any
	for _, v := range values {
		rows = append(rows, []any{v})
	}
	fields := []Field{{Name: "props.qty", Kind: event.KindJSON}}
	path := writeParquet(t, fields, rows, Options{})

	got := queryStrings(t, duck(t), `SELECT "props.qty" FROM read_parquet(?)`,
		path)
	want := [][]string{
		{"2"}, {"2.5"}, {"3 items"}, {"true"}, {"<null>"}, {"<null>"}, {"0.1"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("string column\ngot  %q\nwant %q", got, want)
	}

	fields = []Field{{Name: "props.qty", Kind: event.KindFloat}}
	rows = [][]any{{int64(2)}, {2.5}, {json.RawMessage("0.1")}}
	path = writeParquet(t, fields, rows, Options{})
	got = queryStrings(t, duck(t), `SELECT "props.qty" FROM read_parquet(?)`,
		path)
	want = [][]string{{"2"}, {"2.5"}, {"0.1"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("double column\ngot  %q\nwant %q", got, want)
	}
	types := describe(t, duck(t), path)
	if want := []string{"props.qty DOUBLE"}; !reflect.DeepEqual(types, want) {
		t.Errorf("got %q, want %q", types, want)
	}
}

// The page codec follows Options.Compression; the file is never wrapped.
func TestParquetCodecs(t *testing.T) {
	cases := []struct {
		compression Compression
		want        string
	}{
		{"", "ZSTD"},
		{CompressionZstd, "ZSTD"},
		{CompressionGzip, "GZIP"},
		{CompressionNone, "UNCOMPRESSED"},
	}
	fields := strFields("a")
	rows := [][]any{{"x"}, {"y"}}
	for _, tc := range cases {
		t.Run(string(tc.compression), func(t *testing.T) {
			path := writeParquet(t, fields, rows,
				Options{Compression: tc.compression})
			got := queryStrings(t, duck(t), "SELECT DISTINCT compression "+
				"FROM parquet_metadata(?)", path)
			if len(got) != 1 || got[0][0] != tc.want {
				t.Errorf("got codecs %q, want %s", got, tc.want)
			}
		})
	}

	_, err := NewWriter(io_discard{}, FormatParquet, fields,
		Options{Compression: "COMPRESSION_LZ4"})
	if err == nil {
		t.Error("unknown codec: got no error")
	}
}

// Row groups are flushed as rows stream in, so memory stays bounded.
func TestParquetRowGroups(t *testing.T) {
	const n = 2*rowGroupRows + 1000
	fields := []Field{
		{Name: "i", Kind: event.KindInt},
		{Name: "s", Kind: event.KindString},
	}
	rows := make([][]any, n)
	for i := range rows {
		rows[i] = []any{int64(i), "v" + string(rune('a'+i%26))}
	}
	path := writeParquet(t, fields, rows, Options{})
	db := duck(t)

	got := queryStrings(t, db, "SELECT count(*), sum(i)::VARCHAR, "+
		"count(DISTINCT s) FROM read_parquet(?)", path)
	want := [][]string{{"132072", "8721440556", "26"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}

	groups := queryStrings(t, db, "SELECT count(DISTINCT row_group_id) "+
		"FROM parquet_metadata(?)", path)
	if groups[0][0] != "3" {
		t.Errorf("got %s row groups, want 3", groups[0][0])
	}
}

func TestParquetRejects(t *testing.T) {
	cases := []struct {
		name   string
		fields []Field
		row    []any
	}{
		{"string in int", []Field{{"a", event.KindInt}}, []any{"1"}},
		{"fraction in int", []Field{{"a", event.KindInt}}, []any{2.5}},
		{"raw fraction in int", []Field{{"a", event.KindInt}},
			[]any{[]byte("2.5")}},
		{"bool in float", []Field{{"a", event.KindFloat}}, []any{true}},
		{"string in time", []Field{{"a", event.KindTime}},
			[]any{"2024-01-01T00:00:00Z"}},
		{"bad raw json", []Field{{"a", event.KindJSON}}, []any{[]byte("{")}},
		{"short row", []Field{{"a", event.KindInt}}, []any{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			w, err := NewWriter(&buf, FormatParquet, tc.fields, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Write(tc.row); err == nil {
				t.Error("got no error")
			}
			if err := w.Close(); err != nil {
				t.Errorf("Close after a rejected row: %v", err)
			}
		})
	}

	bad := [][]Field{
		{{"a", event.KindInt}, {"a", event.KindString}},
		{{"a", event.Kind(99)}},
	}
	for _, fields := range bad {
		if _, err := NewWriter(io_discard{}, FormatParquet, fields,
			Options{}); err == nil {
			t.Errorf("fields %v: got no error", fields)
		}
	}
}

// io_discard is an io.Writer that drops everything.
type io_discard struct{}

func (io_discard) Write(p []byte) (int, error) { return len(p), nil }

// Boolean properties (a user or event property sent as true or false)
// are BOOLEAN columns, whatever Go form the value arrives in.
func TestParquetBool(t *testing.T) {
	fields := []Field{{Name: "IndvId", Kind: event.KindInt},
		{Name: "user_vip_bool", Kind: event.KindBool}}
	rows := [][]any{{int64(1), true}, {int64(2), false}, {int64(3), nil},
		{int64(4), json.RawMessage("true")}, {int64(5), []byte(" false ")},
		{int64(6), "true"}}
	path := writeParquet(t, fields, rows, Options{})
	db := duck(t)
	want := []string{"IndvId BIGINT", "user_vip_bool BOOLEAN"}
	if got := describe(t, db, path); !reflect.DeepEqual(got, want) {
		t.Errorf("columns %q, want %q", got, want)
	}
	got := queryStrings(t, db, `SELECT user_vip_bool FROM read_parquet(?) ORDER BY IndvId`, path)
	wantVals := [][]string{{"true"}, {"false"}, {"<null>"}, {"true"}, {"false"}, {"true"}}
	if !reflect.DeepEqual(got, wantVals) {
		t.Errorf("values %q, want %q", got, wantVals)
	}
}
