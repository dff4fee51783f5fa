package encode

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/backstory-dev/backstory/internal/event"
)

// The writer buffers rows column by column and writes them a batch at a
// time; values of every Go form a column takes, nulls and all-null
// columns must survive batch and row group boundaries in place.
func TestParquetBatchesAndRowGroups(t *testing.T) {
	const n = 2*rowGroupRows + batchRows + 7
	fields := []Field{
		{Name: "id", Kind: event.KindInt},
		{Name: "mixed", Kind: event.KindInt},
		{Name: "none_s", Kind: event.KindString},
		{Name: "none_i", Kind: event.KindInt},
		{Name: "js", Kind: event.KindJSON},
		{Name: "b", Kind: event.KindBool},
		{Name: "ts", Kind: event.KindTime},
		{Name: "f", Kind: event.KindFloat},
		{Name: "s", Kind: event.KindString},
	}
	base := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)

	rows := make([][]any, n)
	want := make([][]string, n)
	for i := range rows {
		s := strconv.Itoa(i)
		row := make([]any, len(fields))
		exp := make([]string, len(fields))
		row[0], exp[0] = int64(i), s

		// An int column whose values come in every form the slow path
		// converts, between int64s the fast path takes.
		switch i % 7 {
		case 0, 1:
			row[1], exp[1] = int64(i), s
		case 2:
			row[1], exp[1] = []byte(s), s
		case 3:
			row[1], exp[1] = json.RawMessage(" "+s+" "), s
		case 4:
			row[1], exp[1] = i%2 == 0, strconv.Itoa((i+1)%2)
		case 5:
			row[1], exp[1] = float64(i), s
		case 6:
			row[1], exp[1] = nil, "<null>"
		}
		exp[2], exp[3] = "<null>", "<null>"

		switch i % 5 {
		case 0:
			row[4], exp[4] = "text "+s, "text "+s
		case 1:
			row[4], exp[4] = []byte(`{"a": `+s+`}`), `{"a":`+s+`}`
		case 2:
			row[4], exp[4] = int64(i), s
		case 3:
			row[4], exp[4] = json.RawMessage(`"q`+s+`"`), "q"+s
		case 4:
			row[4], exp[4] = nil, "<null>"
		}

		switch i % 3 {
		case 0:
			row[5], exp[5] = i%2 == 0, strconv.FormatBool(i%2 == 0)
		case 1:
			row[5], exp[5] = json.RawMessage("true"), "true"
		case 2:
			row[5], exp[5] = nil, "<null>"
		}

		if i%9 == 4 {
			row[6], exp[6] = nil, "<null>"
		} else {
			at := base.Add(time.Duration(i)*time.Second + 1500*time.Nanosecond)
			row[6] = at
			exp[6] = strconv.FormatInt(at.UnixMicro(), 10)
		}

		if i%11 == 5 {
			row[7], exp[7] = math.NaN(), "<null>"
		} else {
			row[7], exp[7] = float64(i)/4, s
		}

		// Text of varied lengths, some of it not valid UTF-8.
		switch i % 4 {
		case 0:
			row[8], exp[8] = "", ""
		case 1:
			row[8], exp[8] = fmt.Sprintf("%0*d", i%300, i), fmt.Sprintf("%0*d", i%300, i)
		case 2:
			row[8], exp[8] = "café "+s, "café "+s
		case 3:
			row[8], exp[8] = "bad \xff"+s, "bad \uFFFD"+s
		}

		rows[i], want[i] = row, exp
	}

	path := writeParquet(t, fields, rows, Options{Compression: CompressionNone})
	db := duck(t)
	got := queryStrings(t, db, `SELECT id, mixed, none_s, none_i, js, b,
		epoch_us(ts), CAST(f * 4 AS BIGINT), s
		FROM read_parquet(?) ORDER BY id`, path)
	if len(got) != n {
		t.Fatalf("got %d rows, want %d", len(got), n)
	}
	bad := 0
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			if bad++; bad <= 5 {
				t.Errorf("row %d\ngot  %q\nwant %q", i, got[i], want[i])
			}
		}
	}

	groups := queryStrings(t, db, `SELECT row_group_id, any_value(row_group_num_rows)
		FROM parquet_metadata(?) GROUP BY 1 ORDER BY 1`, path)
	wantGroups := [][]string{{"0", strconv.Itoa(rowGroupRows)},
		{"1", strconv.Itoa(rowGroupRows)}, {"2", strconv.Itoa(batchRows + 7)}}
	if !reflect.DeepEqual(groups, wantGroups) {
		t.Errorf("row groups %q, want %q", groups, wantGroups)
	}
}

// A rejected row leaves nothing behind, even when the values before the
// bad one were already converted into the batch, and even on the last
// row of a batch.
func TestParquetRejectInBatch(t *testing.T) {
	fields := []Field{
		{Name: "id", Kind: event.KindInt},
		{Name: "s", Kind: event.KindString},
		{Name: "j", Kind: event.KindJSON},
		{Name: "n", Kind: event.KindInt},
	}
	var buf bytes.Buffer
	w, err := NewWriter(&buf, FormatParquet, fields, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var want [][]string
	id := 0
	for i := range 3*batchRows + 5 {
		if i%100 == 3 || i == batchRows-1 || i == 2*batchRows {
			bad := []any{int64(-1), "rejected", []byte(`{"x": "rejected"}`),
				"not a number"}
			if err := w.Write(bad); err == nil {
				t.Fatalf("row %d: no error for a string in an int column", i)
			}
			continue
		}
		row := []any{int64(id), "s" + strconv.Itoa(id),
			[]byte(`{"k": ` + strconv.Itoa(id) + `}`), int64(id * 2)}
		if err := w.Write(row); err != nil {
			t.Fatal(err)
		}
		want = append(want, []string{strconv.Itoa(id), "s" + strconv.Itoa(id),
			`{"k":` + strconv.Itoa(id) + `}`, strconv.Itoa(id * 2)})
		id++
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, buf.Bytes())
	got := queryStrings(t, duck(t),
		"SELECT id, s, j, n FROM read_parquet(?) ORDER BY id", path)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %d rows, want %d; first rows\ngot  %q\nwant %q",
			len(got), len(want), got[:min(3, len(got))], want[:3])
	}
}

// A row's strings are referenced, not copied, until the batch is
// written; a caller reusing its row slice must not change what was
// written.
func TestParquetRowSliceReused(t *testing.T) {
	fields := []Field{{Name: "s", Kind: event.KindString},
		{Name: "i", Kind: event.KindInt}}
	var buf bytes.Buffer
	w, err := NewWriter(&buf, FormatParquet, fields, Options{})
	if err != nil {
		t.Fatal(err)
	}
	row := make([]any, 2)
	for i := range batchRows + 3 {
		row[0], row[1] = "v"+strconv.Itoa(i), int64(i)
		if err := w.Write(row); err != nil {
			t.Fatal(err)
		}
		row[0], row[1] = "overwritten", int64(-1)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := queryStrings(t, duck(t), "SELECT count(*) FROM read_parquet(?) "+
		"WHERE s = 'v' || i", writeFile(t, buf.Bytes()))
	if want := strconv.Itoa(batchRows + 3); got[0][0] != want {
		t.Errorf("%s rows hold their own values, want %s", got[0][0], want)
	}
}

// Values are built by replacing the data words of a prepared value,
// which relies on parquet-go's layout of parquet.Value; the check must
// pass with the version in go.mod, and the fallback through the
// constructors must write the same file.
func TestParquetValueLayout(t *testing.T) {
	if !valueLayoutOK {
		t.Fatal("parquet.Value's layout changed: the writer runs on its " +
			"slow path; update valueWords")
	}
	fields := append(benchFields[:len(benchFields):len(benchFields)],
		Field{Name: "vip_bool", Kind: event.KindBool})
	rows := benchRows(3*batchRows + 1)
	for i, r := range rows {
		rows[i] = append(r, i%3 == 0)
	}
	fast := encodeAll(t, FormatParquet, fields, rows, Options{})

	valueLayoutOK = false
	defer func() { valueLayoutOK = true }()
	slow := encodeAll(t, FormatParquet, fields, rows, Options{})
	if !bytes.Equal(fast, slow) {
		t.Error("the fast and slow value paths wrote different files")
	}
}

// writeFile writes data to a temporary file and returns its path.
func writeFile(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "export.parquet")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestValidUTF8(t *testing.T) {
	cases := []string{"", "a", "abc", "abcd", "abcdefg", "abcdefgh",
		"abcdefghi", "abcdefghijklmnopq", "é", "aé", "abcdefgé", "éabcdefgh",
		"abcdefghijklmnoé", "\xff", "abc\xff", "abcdefg\xff", "\xffabcdefgh",
		"abcdefgh\xffijklmnop", "abcdefghijklmno\xff", "\xe2\x82", "日本語テキスト",
		"abcdefghi\xe2\x82", "\xed\xa0\x80abcdefgh"}
	for _, s := range cases {
		if got, want := validUTF8(s), utf8.ValidString(s); got != want {
			t.Errorf("validUTF8(%q) = %v, want %v", s, got, want)
		}
	}
}

// Compressed pages are compressed: gzip.Codec's zero level stores
// deflate blocks without compressing them.
func TestParquetCodecsCompress(t *testing.T) {
	rows := benchRows(4 * batchRows)
	size := func(c Compression) int {
		return len(encodeAll(t, FormatParquet, benchFields, rows,
			Options{Compression: c}))
	}
	none := size(CompressionNone)
	for _, c := range []Compression{CompressionGzip, CompressionZstd} {
		if got := size(c); got > none*3/4 {
			t.Errorf("%s: %d bytes, uncompressed %d", c, got, none)
		}
	}
}

// failAfter accepts limit bytes, then fails every write.
type failAfter struct{ limit int }

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.limit {
		n := f.limit
		f.limit = 0
		return n, errDisk
	}
	f.limit -= len(p)
	return len(p), nil
}

// A failure of the underlying writer when a row group is written out,
// in the middle of the rows, comes back from Write, sticks, and comes
// back from Close.
func TestParquetWriteErrorMidFile(t *testing.T) {
	fields := []Field{{Name: "i", Kind: event.KindInt},
		{Name: "s", Kind: event.KindString}}
	w, err := NewWriter(&failAfter{limit: 64 << 10}, FormatParquet, fields,
		Options{Compression: CompressionNone})
	if err != nil {
		t.Fatal(err)
	}
	failed := -1
	for i := range 3 * rowGroupRows {
		err := w.Write([]any{int64(i), fmt.Sprintf("row %d of many", i)})
		if err != nil {
			if !errors.Is(err, errDisk) {
				t.Fatalf("row %d: got %v, want %v", i, err, errDisk)
			}
			failed = i
			break
		}
	}
	// The first row group is written out after rowGroupRows rows; allow
	// for a batch more.
	if failed < 0 || failed > rowGroupRows+batchRows {
		t.Fatalf("the failure came back at row %d", failed)
	}
	if err := w.Write([]any{int64(0), "x"}); !errors.Is(err, errDisk) {
		t.Errorf("Write after the failure: got %v", err)
	}
	if err := w.Close(); !errors.Is(err, errDisk) {
		t.Errorf("Close: got %v, want %v", err, errDisk)
	}
}
