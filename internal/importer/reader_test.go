package importer

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
)

// samplePath is the real export kept beside the repository, in
// ../shared/data relative to the project root.
const samplePath = "../../../shared/data/fullstory-sample/events.json"

func readSample(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(samplePath)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("sample export absent: %s (the shared data beside the repo)", samplePath)
	}
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// readAll reads every row of input and fails the test on any error.
func readAll(t *testing.T, input []byte) ([]Row, *Reader) {
	t.Helper()
	rd, err := NewReader(bytes.NewReader(input))
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var rows []Row
	for {
		row, err := rd.Next()
		if err == io.EOF {
			return rows, rd
		}
		if err != nil {
			t.Fatalf("Next after %d rows: %v", len(rows), err)
		}
		rows = append(rows, row)
	}
}

func gzipped(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSample(t *testing.T) {
	rows, rd := readAll(t, readSample(t))

	if rd.Format() != FormatJSON {
		t.Errorf("format = %q, want %q", rd.Format(), FormatJSON)
	}
	if len(rows) != 144 {
		t.Fatalf("got %d rows, want 144", len(rows))
	}
	if got := rd.Unknown(); len(got) != 0 {
		t.Errorf("unknown columns = %v, want none", got)
	}

	types := map[string]int{}
	var pageIPs, items, clusters int
	for i, row := range rows {
		if row.Line != i+1 {
			t.Errorf("row %d: Line = %d", i, row.Line)
		}
		types[row.Record.Values["EventType"].(string)]++
		if ip, ok := row.Record.Values["PageIp"]; ok && ip == "" {
			pageIPs++
		}
		if _, ok := row.Record.EventProps["order.items_real"]; ok {
			items++
		}
		if _, ok := row.Record.Values["PageClusterId"].(int64); ok {
			clusters++
		}
	}
	wantTypes := map[string]int{
		"click": 42, "custom": 42, "navigate": 17, "seen": 14,
		"change": 12, "custom_error": 7, "uservar": 5, "load": 5,
	}
	if !reflect.DeepEqual(types, wantTypes) {
		t.Errorf("event types = %v, want %v", types, wantTypes)
	}
	if pageIPs != 144 {
		t.Errorf(`PageIp "" on %d rows, want 144`, pageIPs)
	}
	if items != 33 {
		t.Errorf("evt_order.items_real on %d rows, want 33", items)
	}
	if clusters != 143 {
		t.Errorf("PageClusterId on %d rows, want 143", clusters)
	}
}

func TestSampleFirstRow(t *testing.T) {
	rows, _ := readAll(t, readSample(t))
	row := rows[0]

	const id = 5189870820212736
	if got := row.Record.Values["IndvId"]; got != int64(id) {
		t.Errorf("IndvId = %v (%T), want %d", got, got, id)
	}
	if row.Person.IndvID == nil || *row.Person.IndvID != id {
		t.Errorf("Person.IndvID = %v, want %d", row.Person.IndvID, id)
	}
	if got := row.Record.Values["PageClusterId"]; got != int64(605) {
		t.Errorf("PageClusterId = %v, want 605", got)
	}
	want := time.Date(2020, 8, 27, 6, 20, 26, 900_000_000, time.UTC)
	if got := row.Record.Values["EventStart"]; got != want {
		t.Errorf("EventStart = %v, want %v", got, want)
	}

	p := row.Person
	if p.UserAppKey == nil || *p.UserAppKey != "" {
		t.Errorf(`UserAppKey = %v, want ""`, p.UserAppKey)
	}
	if p.UserDisplayName == nil || *p.UserDisplayName != "User 90791" {
		t.Errorf("UserDisplayName = %v, want User 90791", p.UserDisplayName)
	}
	if _, ok := row.Record.Values["UserAppKey"]; ok {
		t.Error("UserAppKey is in Values, want it in Person only")
	}
}

// TestSampleMatchesSource checks every row against a plain decode of the
// same file: each key lands somewhere, and properties keep their bytes.
func TestSampleMatchesSource(t *testing.T) {
	data := readSample(t)
	rows, _ := readAll(t, data)

	var source []map[string]json.RawMessage
	if err := json.Unmarshal(data, &source); err != nil {
		t.Fatal(err)
	}
	for i, obj := range source {
		row := rows[i]
		for name, raw := range obj {
			if p, ok := event.ParsePropColumn(name); ok {
				got := propsOf(&row, p.Scope)[p.Key.String()]
				if !bytes.Equal(got, raw) {
					t.Errorf("row %d %s = %s, want %s", i+1, name, got, raw)
				}
				continue
			}
			if !hasColumn(row, name) {
				t.Errorf("row %d: column %s missing", i+1, name)
			}
		}
	}
}

func propsOf(row *Row, s event.PropScope) event.Props {
	switch s {
	case event.ScopeUser:
		return row.Person.Props
	case event.ScopeEvent:
		return row.Record.EventProps
	}
	return row.Record.PageProps
}

func hasColumn(row Row, name string) bool {
	p := row.Person
	switch name {
	case "UserAppKey":
		return p.UserAppKey != nil
	case "UserDisplayName":
		return p.UserDisplayName != nil
	case "UserEmail":
		return p.UserEmail != nil
	case "UserCreated":
		return p.UserCreated != nil
	}
	_, ok := row.Record.Values[name]
	return ok
}

func TestGzip(t *testing.T) {
	tests := []struct {
		name   string
		input  string
		format Format
	}{
		{"json", `[{"EventType":"click","PageId":7}]`, FormatJSON},
		{"ndjson", "{\"EventType\":\"click\",\"PageId\":7}\n", FormatNDJSON},
		{"csv", "EventType,PageId\nclick,7\n", FormatCSV},
		{"csv with bom", "\ufeffEventType,PageId\r\nclick,7\r\n", FormatCSV},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rows, rd := readAll(t, gzipped(t, []byte(tc.input)))
			if rd.Format() != tc.format {
				t.Errorf("format = %q, want %q", rd.Format(), tc.format)
			}
			want := map[string]any{"EventType": "click", "PageId": int64(7)}
			if len(rows) != 1 || !reflect.DeepEqual(rows[0].Record.Values, want) {
				t.Errorf("rows = %+v, want one with %v", rows, want)
			}
		})
	}
}

func TestGzipSample(t *testing.T) {
	data := readSample(t)
	plain, _ := readAll(t, data)
	unzipped, _ := readAll(t, gzipped(t, data))
	if !reflect.DeepEqual(plain, unzipped) {
		t.Error("gzipped sample reads differently from the plain one")
	}
}

func TestNDJSON(t *testing.T) {
	input := "\ufeff" +
		`{"IndvId":9007199254740993,"EventType":"click",` +
		`"EventStart":"2024-01-02T03:04:05.123456789+01:00",` +
		`"EventModDead":true,"user_plan_str":"pro","UserEmail":null}` + "\n\n" +
		`{"EventType":"navigate","PageIp":null,"evt_n_ints":[1, 2,3]}` + "\n"
	rows, rd := readAll(t, []byte(input))

	if rd.Format() != FormatNDJSON || len(rows) != 2 {
		t.Fatalf("format %q, %d rows; want ndjson, 2", rd.Format(), len(rows))
	}
	first := rows[0]
	want := map[string]any{
		"IndvId":       int64(9007199254740993),
		"EventType":    "click",
		"EventStart":   time.Date(2024, 1, 2, 2, 4, 5, 123456000, time.UTC),
		"EventModDead": int64(1),
	}
	if !reflect.DeepEqual(first.Record.Values, want) {
		t.Errorf("values = %v, want %v", first.Record.Values, want)
	}
	if got := string(first.Person.Props["plan_str"]); got != `"pro"` {
		t.Errorf("user prop plan_str = %s, want \"pro\"", got)
	}
	if first.Person.UserEmail != nil {
		t.Error("UserEmail null read as a value")
	}

	second := rows[1]
	if _, ok := second.Record.Values["PageIp"]; ok {
		t.Error("PageIp null read as a value")
	}
	if got := string(second.Record.EventProps["n_ints"]); got != "[1,2,3]" {
		t.Errorf("evt_n_ints = %s, want [1,2,3]", got)
	}
	if second.Line != 2 {
		t.Errorf("second row Line = %d, want 2", second.Line)
	}
}

func TestJSONEdges(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		rows    int
		wantErr string // "" for a clean end
	}{
		{"empty array", "[]", 0, ""},
		{"empty object", "[{}]", 1, ""},
		{"spaces around", " \n [ {} , {} ] \n", 2, ""},
		{"data after", "[{}] {}", 1, "record 2: data after the JSON array"},
		{"array not closed", `[{"PageId":1}`, 1, "record 2: unexpected end of input"},
		{"object not closed", `[{"PageId":1`, 0, "record 1: unexpected end of input"},
		{"element not object", "[{},1]", 1, "record 2: not a JSON object"},
		{"ndjson not object", "{}\n[]\n", 1, "record 2: not a JSON object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := readUntilError(t, tc.input)
			if len(rows) != tc.rows {
				t.Errorf("got %d rows, want %d", len(rows), tc.rows)
			}
			if got := errText(err); got != tc.wantErr {
				t.Errorf("error = %q, want %q", got, tc.wantErr)
			}
		})
	}
}

func TestDuplicateKeyLastWins(t *testing.T) {
	rows, _ := readAll(t, []byte(`{"PageIp":"a","PageIp":null,"PageUrl":"x","PageUrl":"y"}`))
	want := map[string]any{"PageUrl": "y"}
	if !reflect.DeepEqual(rows[0].Record.Values, want) {
		t.Errorf("values = %v, want %v", rows[0].Record.Values, want)
	}
}

// failingReader hands out its data, then fails.
type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// TestStreams shows that a row comes out before the rest of the file has
// been read, and that a read error reaches the caller.
func TestStreams(t *testing.T) {
	broken := errors.New("disk on fire")
	in := &failingReader{data: []byte(`[{"EventType":"click"},`), err: broken}

	rd, err := NewReader(in)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	if _, err := rd.Next(); err != nil {
		t.Fatalf("first Next: %v", err)
	}
	_, err = rd.Next()
	if !errors.Is(err, broken) {
		t.Fatalf("second Next = %v, want the read error", err)
	}
	if again, _ := rd.Next(); !reflect.DeepEqual(again, Row{}) {
		t.Error("Next after an error returned a row")
	}
}

func TestUnknown(t *testing.T) {
	input := `{"Foo":1,"EventType":"click","evt_bad":2}` + "\n" +
		`{"NumSessions":3,"Foo":4,"user_":5}`
	rows, rd := readAll(t, []byte(input))

	want := []string{"Foo", "NumSessions", "evt_bad", "user_"}
	if got := rd.Unknown(); !reflect.DeepEqual(got, want) {
		t.Errorf("Unknown() = %v, want %v", got, want)
	}
	if got := rows[0].Record.Values; len(got) != 1 {
		t.Errorf("values = %v, want only EventType", got)
	}
}

func readUntilError(t *testing.T, input string) ([]Row, error) {
	t.Helper()
	rd, err := NewReader(strings.NewReader(input))
	if err != nil {
		return nil, err
	}
	var rows []Row
	for {
		row, err := rd.Next()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		rows = append(rows, row)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
