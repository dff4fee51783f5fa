package duckdb

import (
	"encoding/json"
	"testing"
)

func TestMendJSON(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`"plain"`, `"plain"`},
		{`"\u00e9t\u00e9"`, `"\u00e9t\u00e9"`}, // no surrogate: as it came
		{`"\ud83d cut"`, `"` + "\uFFFD" + ` cut"`},
		{`"\uD83D\uDE00"`, `"😀"`},
		{`["\udead", 12345678901234567890, {"a": "<b>"}]`, `["` + "\uFFFD" + `",12345678901234567890,{"a":"<b>"}]`},
		{`"ends in \u"`, `"ends in \u"`}, // not JSON: left for the caller's checks
		{`"\ud8`, `"\ud8`},
	} {
		if got := string(mendJSON(json.RawMessage(c.in))); got != c.want {
			t.Errorf("mendJSON(%s) = %s, want %s", c.in, got, c.want)
		}
	}
}
