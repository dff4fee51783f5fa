package importer

import (
	"bufio"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
)

func TestCSV(t *testing.T) {
	input := "\ufeff" +
		"IndvId,EventType,PageIp,EventTargetText,evt_order.total_real," +
		"evt_n_int,evt_s_str,user_plan_str,EventStart,EventModDead\r\n" +
		`5189870820212736,click,"","say ""hi""",6.75,4,"",pro,` +
		"2020-08-27T06:20:26.900Z,1\r\n" +
		"\r\n" +
		"2,navigate,,\"line one\r\nline two\",,,,,2020-08-27T08:20:26.9+02:00,\n" +
		`3,load,1.2.3.4,,,4.0,x,"a,b",,true`
	rows, rd := readAll(t, []byte(input))

	if rd.Format() != FormatCSV {
		t.Errorf("format = %q, want csv", rd.Format())
	}
	if len(rows) != 3 {
		t.Fatalf("got %d rows, want 3", len(rows))
	}
	start := time.Date(2020, 8, 27, 6, 20, 26, 900_000_000, time.UTC)

	first := rows[0]
	wantValues := map[string]any{
		"IndvId":          int64(5189870820212736),
		"EventType":       "click",
		"PageIp":          "",
		"EventTargetText": `say "hi"`,
		"EventStart":      start,
		"EventModDead":    int64(1),
	}
	if !reflect.DeepEqual(first.Record.Values, wantValues) {
		t.Errorf("row 1 values = %v, want %v", first.Record.Values, wantValues)
	}
	checkProps(t, "row 1 evt", first.Record.EventProps,
		map[string]string{"order.total_real": "6.75", "n_int": "4", "s_str": `""`})
	checkProps(t, "row 1 user", first.Person.Props,
		map[string]string{"plan_str": `"pro"`})

	second := rows[1]
	wantValues = map[string]any{
		"IndvId":          int64(2),
		"EventType":       "navigate",
		"EventTargetText": "line one\r\nline two",
		"EventStart":      start, // the same instant at +02:00
	}
	if !reflect.DeepEqual(second.Record.Values, wantValues) {
		t.Errorf("row 2 values = %v, want %v", second.Record.Values, wantValues)
	}
	if second.Record.EventProps != nil || second.Person.Props != nil {
		t.Errorf("row 2 props = %v %v, want none", second.Record.EventProps, second.Person.Props)
	}

	third := rows[2]
	if third.Line != 3 || third.Record.Values["EventModDead"] != int64(1) {
		t.Errorf("row 3 = line %d, values %v", third.Line, third.Record.Values)
	}
	checkProps(t, "row 3 evt", third.Record.EventProps,
		map[string]string{"n_int": "4", "s_str": `"x"`})
	checkProps(t, "row 3 user", third.Person.Props,
		map[string]string{"plan_str": `"a,b"`})
}

func checkProps(t *testing.T, where string, got event.Props, want map[string]string) {
	t.Helper()
	text := make(map[string]string, len(got))
	for k, v := range got {
		text[k] = string(v)
	}
	if !reflect.DeepEqual(text, want) {
		t.Errorf("%s props = %v, want %v", where, text, want)
	}
}

func TestCSVHeaderOnly(t *testing.T) {
	for _, input := range []string{"", "\n", "IndvId,EventType", "IndvId,EventType\r\n\r\n"} {
		rows, _ := readAll(t, []byte(input))
		if len(rows) != 0 {
			t.Errorf("%q: got %d rows, want 0", input, len(rows))
		}
	}
}

func TestCSVReader(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  [][]csvField
	}{
		{
			name:  "empty and quoted empty",
			input: "a,,\"\"\n",
			want:  [][]csvField{{{"a", false}, {"", false}, {"", true}}},
		},
		{
			name:  "line breaks kept inside quotes",
			input: "\"x\r\ny\",\"p\nq\"\r\n",
			want:  [][]csvField{{{"x\r\ny", true}, {"p\nq", true}}},
		},
		{
			name:  "lone CR is text",
			input: "a\rb,c\n",
			want:  [][]csvField{{{"a\rb", false}, {"c", false}}},
		},
		{
			name:  "quote inside unquoted field",
			input: "a\"b\n",
			want:  [][]csvField{{{"a\"b", false}}},
		},
		{
			name:  "trailing comma and no final newline",
			input: "a,\n\"b\",",
			want:  [][]csvField{{{"a", false}, {"", false}}, {{"b", true}, {"", false}}},
		},
		{
			name:  "blank lines skipped",
			input: "\n\r\na\n\n\nb\n",
			want:  [][]csvField{{{"a", false}}, {{"b", false}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readRecords(tc.input)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func readRecords(input string) ([][]csvField, error) {
	c := &csvReader{br: bufio.NewReader(strings.NewReader(input))}
	var records [][]csvField
	for {
		fields, err := c.read()
		if err == io.EOF {
			return records, nil
		}
		if err != nil {
			return records, err
		}
		records = append(records, fields)
	}
}

// writeCSV writes one record, quoting the fields marked in quote.
func writeCSV(fields []string, quote []bool) string {
	var b strings.Builder
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		if quote[i] {
			f = `"` + strings.ReplaceAll(f, `"`, `""`) + `"`
		}
		b.WriteString(f)
	}
	b.WriteString("\r\n")
	return b.String()
}

// FuzzCSVRoundTrip writes three fields and reads them back.
func FuzzCSVRoundTrip(f *testing.F) {
	f.Add("a", "", "c", uint8(0))
	f.Add("", "", "", uint8(2))
	f.Add("x\r\ny", `say "hi"`, ",", uint8(5))
	f.Fuzz(func(t *testing.T, a, b, c string, mask uint8) {
		fields := []string{a, b, c}
		quote := make([]bool, len(fields))
		for i, f := range fields {
			// Commas, quotes and line breaks need quotes; the mask
			// quotes other fields too.
			quote[i] = mask&(1<<i) != 0 || strings.ContainsAny(f, ",\"\r\n")
		}
		input := writeCSV(fields, quote)

		got, err := readRecords(input)
		if err != nil {
			t.Fatalf("read %q: %v", input, err)
		}
		if len(got) != 1 || len(got[0]) != 3 {
			t.Fatalf("read %q as %+v, want one record of 3 fields", input, got)
		}
		for i, f := range got[0] {
			if f.text != fields[i] || f.quoted != quote[i] {
				t.Errorf("field %d = %q quoted %v, want %q quoted %v",
					i, f.text, f.quoted, fields[i], quote[i])
			}
		}
	})
}
