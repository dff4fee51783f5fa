package importer

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
)

// absent is the want of a conversion that yields no value.
var absent = struct{}{}

func TestValueFromJSON(t *testing.T) {
	micro := time.Date(2024, 1, 2, 2, 4, 5, 123456000, time.UTC)
	tests := []struct {
		name string
		kind event.Kind
		in   string
		want any // absent, a value, or an error
	}{
		{"int", event.KindInt, "5189870820212736", int64(5189870820212736)},
		{"int above 2^53 exact", event.KindInt, "9007199254740993", int64(9007199254740993)},
		{"int negative", event.KindInt, "-4", int64(-4)},
		{"int written as real", event.KindInt, "12.0", int64(12)},
		{"int with exponent", event.KindInt, "1e3", int64(1000)},
		{"int inexact exponent", event.KindInt, "1e17", errIntRange},
		{"int fraction", event.KindInt, "1.5", errNotInt},
		{"int string", event.KindInt, `"12"`, errNotInt},
		{"int null", event.KindInt, "null", absent},
		{"float", event.KindFloat, "6.75", 6.75},
		{"float integral", event.KindFloat, "4", 4.0},
		{"float huge", event.KindFloat, "1e999", errNumberRange},
		{"float bool", event.KindFloat, "true", errNotNumber},
		{"string", event.KindString, `"a\"b"`, `a"b`},
		{"string empty", event.KindString, `""`, ""},
		{"string null", event.KindString, "null", absent},
		{"string number", event.KindString, "5", errNotString},
		{"time offset", event.KindTime, `"2024-01-02T03:04:05.1234567+01:00"`, micro},
		{"time empty", event.KindTime, `""`, absent},
		{"time date only", event.KindTime, `"2024-01-02"`, errNotTime},
		{"time number", event.KindTime, "1700000000", errNotTime},
		{"flag 0", event.KindFlag, "0", int64(0)},
		{"flag true", event.KindFlag, "true", int64(1)},
		{"flag string", event.KindFlag, `"1"`, errNotFlag},
		{"json", event.KindJSON, `{"a":1}`, json.RawMessage(`{"a":1}`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, ok, err := valueFromJSON(tc.kind, json.RawMessage(tc.in))
			checkResult(t, v, ok, err, tc.want)
		})
	}
}

func TestValueFromText(t *testing.T) {
	tests := []struct {
		name   string
		kind   event.Kind
		in     string
		quoted bool
		want   any
	}{
		{"int", event.KindInt, "5189870820212736", false, int64(5189870820212736)},
		{"int spaces", event.KindInt, " 7 ", false, int64(7)},
		{"int empty", event.KindInt, "", false, absent},
		{"int quoted empty", event.KindInt, "", true, absent},
		{"int plus sign", event.KindInt, "+7", false, errNotInt},
		{"int hex", event.KindInt, "0x1p4", false, errNotInt},
		{"float", event.KindFloat, "6.75", false, 6.75},
		{"float nan", event.KindFloat, "NaN", false, errNotNumber},
		{"string", event.KindString, " a ", false, " a "},
		{"string empty", event.KindString, "", false, absent},
		{"string quoted empty", event.KindString, "", true, ""},
		{"time", event.KindTime, "2020-08-27T06:20:26.900Z", false,
			time.Date(2020, 8, 27, 6, 20, 26, 900_000_000, time.UTC)},
		{"time bad", event.KindTime, "27/08/2020", false, errNotTime},
		{"flag TRUE", event.KindFlag, "TRUE", false, int64(1)},
		{"flag false", event.KindFlag, "false", false, int64(0)},
		{"flag yes", event.KindFlag, "yes", false, errNotFlag},
		{"json bad", event.KindJSON, "{", false, errNotJSON},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, ok, err := valueFromText(tc.kind, tc.in, tc.quoted)
			checkResult(t, v, ok, err, tc.want)
		})
	}
}

func TestPropFromJSON(t *testing.T) {
	tests := []struct {
		name string
		typ  event.PropType
		in   string
		want any // absent, the stored literal as a string, or an error
	}{
		{"real keeps bytes", event.TypeReal, "6.75", "6.75"},
		{"real integral keeps bytes", event.TypeReal, "4", "4"},
		{"real exponent keeps bytes", event.TypeReal, "1E+2", "1E+2"},
		{"real string", event.TypeReal, `"6.75"`, errNotNumber},
		{"int", event.TypeInt, "4", "4"},
		{"int fraction", event.TypeInt, "4.5", errNotInt},
		{"str keeps escapes", event.TypeStr, `"\u003c"`, `"\u003c"`},
		{"str number", event.TypeStr, "4", errNotString},
		{"bool", event.TypeBool, "false", "false"},
		{"bool number", event.TypeBool, "0", errNotBool},
		{"date", event.TypeDate, `"2020-08-27T06:20:26Z"`, `"2020-08-27T06:20:26Z"`},
		{"date bad", event.TypeDate, `"tomorrow"`, errNotTime},
		{"null", event.TypeStr, "null", absent},
		{"list compacted", event.TypeInts, "[ 1,\n 2 ]", "[1,2]"},
		{"list empty", event.TypeStrs, "[]", "[]"},
		{"list not array", event.TypeStrs, `"a"`, errNotArray},
		{"list null element", event.TypeBools, "[true,null]", errNotBool},
		{"list nested", event.TypeReals, "[[1]]", errNotNumber},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, ok, err := propFromJSON(tc.typ, json.RawMessage(tc.in))
			checkResult(t, string(v), ok, err, tc.want)
		})
	}
}

func TestPropFromText(t *testing.T) {
	tests := []struct {
		name   string
		typ    event.PropType
		in     string
		quoted bool
		want   any
	}{
		{"str", event.TypeStr, `a "b" <c>`, false, `"a \"b\" <c>"`},
		{"str empty", event.TypeStr, "", false, absent},
		{"str quoted empty", event.TypeStr, "", true, `""`},
		{"int", event.TypeInt, "4", false, "4"},
		{"int as real", event.TypeInt, "4.0", false, "4"},
		{"int quoted empty", event.TypeInt, "", true, absent},
		{"real", event.TypeReal, "6.75", false, "6.75"},
		{"real bad", event.TypeReal, ".5", false, errNotNumber},
		{"bool", event.TypeBool, "True", false, "true"},
		{"bool 0", event.TypeBool, "0", false, "false"},
		{"bool bad", event.TypeBool, "yes", false, errNotBool},
		{"date", event.TypeDate, "2020-08-27T06:20:26+02:00", false, `"2020-08-27T06:20:26+02:00"`},
		{"date bad", event.TypeDate, "2020-08-27", false, errNotTime},
		{"list", event.TypeStrs, `["a", "b"]`, true, `["a","b"]`},
		{"list bare", event.TypeStrs, "a;b", false, errNotArray},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, ok, err := propFromText(tc.typ, tc.in, tc.quoted)
			checkResult(t, string(v), ok, err, tc.want)
		})
	}
}

// checkResult compares a conversion's result with want: absent, a value,
// or an error that the result must wrap.
func checkResult(t *testing.T, v any, ok bool, err error, want any) {
	t.Helper()
	if wantErr, isErr := want.(error); isErr {
		if !errors.Is(err, wantErr) {
			t.Errorf("err = %v, want %v", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	if want == absent {
		if ok {
			t.Errorf("got %#v, want absent", v)
		}
		return
	}
	if !ok || !reflect.DeepEqual(v, want) {
		t.Errorf("got %#v (present %v), want %#v", v, ok, want)
	}
}
