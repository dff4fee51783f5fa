package httpapi

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/backstory-dev/backstory/internal/event"
)

type testItem struct {
	Name string `json:"name"`
	N    int    `json:"n"`
}

// TestReadBatch checks that items come back decoded with their exact
// bytes, that an item of the wrong shape fails alone, and that a body
// that is not a batch fails whole with a message that says why.
func TestReadBatch(t *testing.T) {
	body := `{"before": {"x": [1, 2]}, "requests": [
  {"name": "a", "n": 1},
  {"name": "b", "n": "two"} ,
  7,
  {"name": "c,\"d\"", "n": 3}], "after": null}`
	items, raws, errs, err := readBatch[testItem](([]byte)(body), 10)
	if err != nil {
		t.Fatal(err)
	}
	wantRaw := []string{`{"name": "a", "n": 1}`, `{"name": "b", "n": "two"}`, `7`,
		`{"name": "c,\"d\"", "n": 3}`}
	if len(items) != 4 {
		t.Fatalf("%d items, want 4", len(items))
	}
	for i, w := range wantRaw {
		if string(raws[i]) != w {
			t.Errorf("item %d raw = %q, want %q", i, raws[i], w)
		}
	}
	if items[0] != (testItem{"a", 1}) || items[3] != (testItem{`c,"d"`, 3}) {
		t.Errorf("items = %+v", items)
	}
	if errs[0] != nil || errs[3] != nil {
		t.Errorf("good items failed: %v, %v", errs[0], errs[3])
	}
	if errs[1] == nil || !strings.Contains(errs[1].Error(), "n: want a number, got JSON string") {
		t.Errorf("item 1 error = %v, want one naming n", errs[1])
	}
	if errs[2] == nil || event.ErrorCode(errs[2]) != event.CodeInvalid ||
		!strings.Contains(errs[2].Error(), "want an object, got JSON number") {
		t.Errorf("item 2 error = %v, want an invalid item saying it wants an object", errs[2])
	}

	for _, c := range []struct{ body, want string }{
		{`{"requests": [{"name": "a"}, {"name": `, "ends too soon"},
		{`{"requests": [{"name": "a"}}`, "not valid JSON"},
		{`{"requests": {"name": "a"}}`, "want a list"},
		{`[{"name": "a"}]`, "must be an object"},
		{`{"requests": []}`, "at least one item"},
		{`{"other": 1}`, "at least one item"},
		{`{"requests": null}`, "at least one item"},
		{`{"requests": [1, 2, 3]}`, "at most 2 items"},
		{`{"requests": [{"name": "a"}]} {}`, "data after the object"},
		{`{"requests": [{"name": "a"}], "after": }`, "not valid JSON"},
	} {
		_, _, _, err := readBatch[testItem]([]byte(c.body), 2)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.body, err, c.want)
		}
	}
}

// A job's results are JSON even when an item held bytes that are not
// UTF-8 (decoding read them as U+FFFD), and a null item fails alone.
func TestBatchResultsAreJSON(t *testing.T) {
	body := []byte("{\"requests\": [{\"name\": \"bad \xff byte\"}, null]}")
	items, raws, errs, err := readBatch[testItem](body, 10)
	if err != nil || len(items) != 2 {
		t.Fatalf("%d items, %v", len(items), err)
	}
	if errs[1] == nil || !strings.Contains(errs[1].Error(), "want an object, got JSON null") {
		t.Errorf("null item error = %v", errs[1])
	}
	res := batchResults([]json.RawMessage{raws[0]}, []batchFailure{{Message: "m", Code: "c", Event: raws[0]}})
	if !utf8.Valid(res) || !json.Valid(res) {
		t.Fatalf("results are not UTF-8 JSON: %q", res)
	}
	var back struct {
		Imports []testItem `json:"imports"`
	}
	if err := json.Unmarshal(res, &back); err != nil || back.Imports[0].Name != items[0].Name {
		t.Errorf("imports read back as %+v (%v), want the name decoded as %q", back.Imports, err, items[0].Name)
	}
}
