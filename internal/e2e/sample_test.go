package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"testing"
)

const samplePath = "../../../shared/data/fullstory-sample/events.json"

// loadSample reads the real export from ../shared, or skips.
func loadSample(t *testing.T) []byte {
	t.Helper()
	raw, err := os.ReadFile(samplePath)
	if err != nil {
		t.Skipf("the real sample is not at ../shared/data/fullstory-sample/events.json "+
			"(relative to the project root): %v", err)
	}
	return raw
}

func (e *env) importFile(raw []byte) map[string]any {
	e.t.Helper()
	var out map[string]any
	if code := e.call("POST", "/import/v1/events", raw, &out); code != 200 {
		e.t.Fatalf("import: HTTP %d %v", code, out)
	}
	return out
}

// rowKey identifies a sample row by everything but its order.
func rowKey(r map[string]any) string {
	keys := make([]string, 0, len(r))
	for k := range r {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	for _, k := range keys {
		v, _ := json.Marshal(r[k])
		fmt.Fprintf(&b, "%s=%s;", k, v)
	}
	return b.String()
}

func decodeRows(t *testing.T, raw []byte) []map[string]any {
	t.Helper()
	var rows []map[string]any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&rows); err != nil {
		t.Fatalf("decode rows: %v", err)
	}
	return rows
}

// TestSampleRoundTrip imports the real export and exports it again as
// JSON with all fields: every row comes back with every value unchanged.
func TestSampleRoundTrip(t *testing.T) {
	raw := loadSample(t)
	e := newEnv(t)
	res := e.importFile(raw)
	if res["imported"] != float64(144) {
		t.Fatalf("imported = %v, want 144", res["imported"])
	}
	// A second import of the same file stores nothing new.
	if res := e.importFile(raw); res["imported"] != float64(0) {
		t.Fatalf("re-import stored %v rows, want 0", res["imported"])
	}

	body, _ := e.exportFile(map[string]any{"segmentId": "everyone",
		"type": "TYPE_EVENT", "format": "FORMAT_JSON"})
	got := decodeRows(t, body)
	want := decodeRows(t, raw)
	if len(got) != len(want) {
		t.Fatalf("exported %d rows, want %d", len(got), len(want))
	}
	// EventId is ours (derived for imported rows); the rest must match.
	have := map[string]int{}
	for _, r := range got {
		delete(r, "EventId")
		have[rowKey(r)]++
	}
	for i, r := range want {
		k := rowKey(r)
		if have[k] == 0 {
			t.Fatalf("sample row %d did not come back unchanged:\n%s", i, k)
		}
		have[k]--
	}
}

// TestSampleCheckoutErrorPurchase builds "had a Checkout Error event and
// clicked Purchase" over the sample. Worked out from the file: the
// Checkout Error custom events and the Purchase clicks belong to the same
// people, listed below.
func TestSampleCheckoutErrorPurchase(t *testing.T) {
	raw := loadSample(t)
	e := newEnv(t)
	e.importFile(raw)

	// The expected people, straight from the file.
	want := map[string]bool{}
	errs, clicks := map[string]bool{}, map[string]bool{}
	var events int
	for _, r := range decodeRows(t, raw) {
		id := fmt.Sprint(r["IndvId"])
		if r["EventCustomName"] == "Checkout Error" && r["EventType"] == "custom" {
			errs[id] = true
		}
		if r["EventType"] == "click" && r["EventTargetText"] == "Purchase" {
			clicks[id] = true
		}
	}
	for id := range errs {
		if clicks[id] {
			want[id] = true
		}
	}
	for _, r := range decodeRows(t, raw) {
		if want[fmt.Sprint(r["IndvId"])] {
			events++
		}
	}
	if len(want) == 0 {
		t.Fatal("the sample has no such person; the test would prove nothing")
	}

	def := map[string]any{"name": "Checkout error and purchase",
		"timeRange": map[string]any{"all": true}, "match": "all",
		"criteria": []any{
			map[string]any{"did": map[string]any{"type": "custom", "where": []any{
				map[string]any{"field": "name", "op": "eq", "value": "Checkout Error"}}}},
			map[string]any{"did": map[string]any{"type": "click", "where": []any{
				map[string]any{"field": "target_text", "op": "eq", "value": "Purchase"}}}},
		}}
	var seg struct{ ID string }
	if code := e.call("POST", "/segments/v1", def, &seg); code != 200 {
		t.Fatalf("create segment: HTTP %d", code)
	}

	body, _ := e.exportFile(map[string]any{"segmentId": seg.ID,
		"type": "TYPE_INDIVIDUAL", "format": "FORMAT_JSON", "fields": []string{"IndvId", "NumEvents"}})
	got := map[string]bool{}
	for _, r := range decodeRows(t, body) {
		got[fmt.Sprint(r["IndvId"])] = true
	}
	if fmt.Sprint(sortedKeys(got)) != fmt.Sprint(sortedKeys(want)) {
		t.Fatalf("people = %v, want %v", sortedKeys(got), sortedKeys(want))
	}

	body, _ = e.exportFile(map[string]any{"segmentId": seg.ID,
		"type": "TYPE_EVENT", "format": "FORMAT_NDJSON"})
	if n := bytes.Count(body, []byte("\n")); n != events {
		t.Fatalf("events exported = %d, want %d (all events of those people)", n, events)
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
