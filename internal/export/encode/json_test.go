package encode

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/backstory-dev/backstory/internal/event"
)

// BUG-01, NDJSON variant: one physical line per row; CR and LF are
// escaped inside strings.
func TestNDJSONLineBreaks(t *testing.T) {
	texts := []string{
		"Save, \"draft\"\nnow", "line1\r\nline2", "a\rb", "plain", " padded ",
	}
	var rows [][]any
	for i, s := range texts {
		rows = append(rows, []any{"e" + string(rune('1'+i)), s})
	}

	got := encodeAll(t, FormatNDJSON, strFields("event_id", "target_text"),
		rows, Options{})
	want := `{"event_id":"e1","target_text":"Save, \"draft\"\nnow"}` + "\n" +
		`{"event_id":"e2","target_text":"line1\r\nline2"}` + "\n" +
		`{"event_id":"e3","target_text":"a\rb"}` + "\n" +
		`{"event_id":"e4","target_text":"plain"}` + "\n" +
		`{"event_id":"e5","target_text":" padded "}` + "\n"
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if n := bytes.Count(got, []byte("\n")); n != 5 {
		t.Errorf("got %d lines, want 5", n)
	}

	lines := strings.Split(strings.TrimSuffix(string(got), "\n"), "\n")
	for i, line := range lines {
		var obj map[string]string
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if obj["target_text"] != texts[i] {
			t.Errorf("line %d: got %q, want %q", i+1, obj["target_text"],
				texts[i])
		}
	}
}

// BUG-02: JSON formats carry raw values; no apostrophes.
func TestJSONNoFormulaEscaping(t *testing.T) {
	rows := [][]any{{"=1+1", int64(-5)}}
	fields := []Field{{"@t", event.KindString}, {"n", event.KindInt}}
	opt := Options{EscapeFormulas: true}

	for _, f := range []Format{FormatJSON, FormatNDJSON} {
		got := encodeAll(t, f, fields, rows, opt)
		if bytes.Contains(got, []byte("'")) {
			t.Errorf("%s: got %s, want no apostrophe", f, got)
		}
	}
}

// BUG-03: non-ASCII stays UTF-8, no \u escapes, no HTML escaping, no BOM.
func TestJSONUnicode(t *testing.T) {
	cases := []struct {
		in   string
		want string
	}{
		{"Añadir al carrito 🛒", `"Añadir al carrito 🛒"`},
		{"👩‍👩‍👧 family", `"👩‍👩‍👧 family"`},
		{"e\u0301", "\"e\u0301\""},
		{"<a href='x'>&</a>", `"<a href='x'>&</a>"`},
		{"tab\there\x00\x1f\x7f", `"tab\there\u0000\u001f` + "\x7f\""},
		{`back\slash "q"`, `"back\\slash \"q\""`},
		{"\u2028", "\"\u2028\""},
		{"bad \xff byte", `"bad \ufffd byte"`},
		{"", `""`},
	}
	for _, tc := range cases {
		got := string(event.AppendJSONString(nil, tc.in))
		if got != tc.want {
			t.Errorf("appendJSONString(%q) = %s, want %s", tc.in, got, tc.want)
		}
		if !json.Valid([]byte(got)) || !utf8.ValidString(got) {
			t.Errorf("appendJSONString(%q) = %s is not valid", tc.in, got)
		}
	}

	got := encodeAll(t, FormatNDJSON, strFields("t"), [][]any{{"数量"}},
		Options{BOM: true})
	if string(got) != "{\"t\":\"数量\"}\n" {
		t.Errorf("got %q: want no BOM and raw UTF-8", got)
	}
}

// BUG-06: "" and missing differ; zero and false are written; a missing
// value leaves its key out.
func TestJSONNullVersusEmpty(t *testing.T) {
	fields := []Field{
		{Name: "user_id", Kind: event.KindString},
		{Name: "traits.plan", Kind: event.KindString},
		{Name: "traits.seats", Kind: event.KindInt},
		{Name: "traits.trial", Kind: event.KindJSON},
	}
	rows := [][]any{
		{"u-1", "", nil, nil},
		{"u-2", nil, nil, json.RawMessage(" null ")},
		{"u-3", nil, nil, nil},
		{"u-4", "free", int64(0), false},
		{nil, nil, nil, nil},
	}

	got := encodeAll(t, FormatNDJSON, fields, rows, Options{})
	want := `{"user_id":"u-1","traits.plan":""}` + "\n" +
		`{"user_id":"u-2"}` + "\n" +
		`{"user_id":"u-3"}` + "\n" +
		`{"user_id":"u-4","traits.plan":"free","traits.seats":0,` +
		`"traits.trial":false}` + "\n" +
		"{}\n"
	if string(got) != want {
		t.Errorf("ndjson: got\n%s\nwant\n%s", got, want)
	}

	got = encodeAll(t, FormatJSON, fields, rows[:2], Options{})
	want = `[{"user_id":"u-1","traits.plan":""},` + "\n" +
		`{"user_id":"u-2"}]`
	if string(got) != want {
		t.Errorf("json: got\n%s\nwant\n%s", got, want)
	}
}

// BUG-07: raw JSON is embedded as real objects and lists, compacted.
func TestJSONRawValues(t *testing.T) {
	fields := []Field{
		{Name: "event_id", Kind: event.KindString},
		{Name: "props.cart", Kind: event.KindJSON},
		{Name: "props.tags", Kind: event.KindJSON},
	}
	rows := [][]any{{
		"e1",
		json.RawMessage("{\"items\": [ {\"sku\": \"A 1\"} ],\n \"total\": 19.5}"),
		[]byte(`["new","promo"]`),
	}}

	got := encodeAll(t, FormatNDJSON, fields, rows, Options{})
	want := `{"event_id":"e1","props.cart":{"items":[{"sku":"A 1"}],` +
		`"total":19.5},"props.tags":["new","promo"]}` + "\n"
	if string(got) != want {
		t.Fatalf("got %s, want %s", got, want)
	}

	var obj map[string]any
	if err := json.Unmarshal(got, &obj); err != nil {
		t.Fatal(err)
	}
	if _, ok := obj["props.tags"].([]any); !ok {
		t.Errorf("props.tags is %T, want a JSON array", obj["props.tags"])
	}
	if _, ok := obj["props.cart"].(map[string]any); !ok {
		t.Errorf("props.cart is %T, want a JSON object", obj["props.cart"])
	}
}

// BUG-08: each value keeps its JSON type; floats use the shortest form.
func TestJSONMixedTypes(t *testing.T) {
	fields := []Field{{"id", event.KindString}, {"qty", event.KindJSON}}
	values := []any{
		int64(2), 2.5, "3 items", true, nil, 0.1, 2.0, []byte("0.1"),
		math.NaN(), math.Inf(1), 1e21, 1e-7, math.Copysign(0, -1),
	}
	var rows [][]any
	for _, v := range values {
		rows = append(rows, []any{"e", v})
	}

	got := encodeAll(t, FormatNDJSON, fields, rows, Options{})
	want := `{"id":"e","qty":2}
{"id":"e","qty":2.5}
{"id":"e","qty":"3 items"}
{"id":"e","qty":true}
{"id":"e"}
{"id":"e","qty":0.1}
{"id":"e","qty":2}
{"id":"e","qty":0.1}
{"id":"e"}
{"id":"e"}
{"id":"e","qty":1e+21}
{"id":"e","qty":1e-7}
{"id":"e","qty":-0}
`
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestJSONRejectsBadRows(t *testing.T) {
	for _, f := range []Format{FormatJSON, FormatNDJSON} {
		var buf bytes.Buffer
		w, err := NewWriter(&buf, f, strFields("a", "b"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write([]any{"x", []byte("[1,")}); err == nil {
			t.Errorf("%s: invalid raw JSON: got no error", f)
		}
		if err := w.Write([]any{"x", struct{}{}}); err == nil {
			t.Errorf("%s: unsupported type: got no error", f)
		}
		if err := w.Write([]any{"x"}); err == nil {
			t.Errorf("%s: short row: got no error", f)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		want := map[Format]string{FormatJSON: "[]", FormatNDJSON: ""}[f]
		if buf.String() != want {
			t.Errorf("%s: got %q, want %q: a rejected row left bytes",
				f, buf.String(), want)
		}
	}
}
