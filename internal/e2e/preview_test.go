package e2e

import (
	"strings"
	"testing"
)

// TestPreview sizes a segment before export: members, sessions, events,
// the funnel of top-level criteria, people per local day, and an export
// estimate whose row count matches the export.
func TestPreview(t *testing.T) {
	e := newEnv(t)
	e.ingest(`
{"event_id":"e1","anon_id":"a-1","user_id":"u-1","type":"custom","name":"add_to_cart","ts":"2024-05-01T10:00:00.000Z"}
{"event_id":"e2","anon_id":"a-1","user_id":"u-1","type":"custom","name":"checkout","ts":"2024-05-01T10:05:00.000Z"}
{"event_id":"e3","anon_id":"a-2","user_id":"u-2","type":"custom","name":"add_to_cart","ts":"2024-05-02T03:00:00.000Z"}
{"event_id":"e4","anon_id":"a-3","user_id":"u-3","type":"pageview","ts":"2024-05-02T12:00:00.000Z"}`)
	def := map[string]any{"name": "cart then checkout", "timezone": "America/New_York",
		"timeRange": map[string]any{"start": "2024-05-01", "end": "2024-05-03"},
		"criteria": []any{
			map[string]any{"did": map[string]any{"type": "custom", "where": []any{
				map[string]any{"field": "name", "op": "eq", "value": "add_to_cart"}}}},
			map[string]any{"did": map[string]any{"type": "custom", "where": []any{
				map[string]any{"field": "name", "op": "eq", "value": "checkout"}}}},
		}}
	var got struct {
		People, Sessions, Events int64
		Funnel                   []struct{ Criterion, People int64 }
		PerDay                   []struct {
			Day    string
			People int64
		}
		Estimate struct{ Rows, Bytes int64 }
	}
	code := e.call("POST", "/segments/v1/preview", map[string]any{"definition": def}, &got)
	if code != 200 {
		t.Fatalf("preview: HTTP %d", code)
	}
	if got.People != 1 || got.Events != 2 || got.Sessions != 1 {
		t.Errorf("counts = %+v, want 1 person, 1 session, 2 events", got)
	}
	if len(got.Funnel) != 2 || got.Funnel[0].People != 2 || got.Funnel[1].People != 1 {
		t.Errorf("funnel = %+v, want 2 then 1", got.Funnel)
	}
	// u-1's events are on May 1 in New York.
	if len(got.PerDay) != 1 || got.PerDay[0].Day != "2024-05-01" || got.PerDay[0].People != 1 {
		t.Errorf("perDay = %+v", got.PerDay)
	}

	var seg struct{ ID string }
	e.call("POST", "/segments/v1", def, &seg)
	code = e.call("POST", "/segments/v1/preview", map[string]any{"segmentId": seg.ID,
		"export": map[string]any{"type": "TYPE_EVENT", "format": "FORMAT_CSV",
			"compression": "COMPRESSION_NONE"}}, &got)
	if code != 200 {
		t.Fatalf("preview by id: HTTP %d", code)
	}
	file := e.csvExport(map[string]any{"segmentId": seg.ID})
	if got.Estimate.Rows != 2 || got.Estimate.Bytes != int64(len(file)) {
		t.Errorf("estimate = %+v, want 2 rows and %d bytes (the file's size)", got.Estimate, len(file))
	}

	// A timezone that does not exist is named in the error.
	var bad struct{ Code, Message string }
	if code := e.call("POST", "/segments/v1/preview", map[string]any{"definition": def,
		"timezone": "Mars/Olympus"}, &bad); code != 400 || !strings.HasPrefix(bad.Message, "timezone: ") {
		t.Errorf("unknown timezone: HTTP %d %+v, want 400 naming timezone", code, bad)
	}

	// A segment nobody is in previews as zeros, not an error.
	none := map[string]any{"timeRange": map[string]any{"all": true},
		"criteria": []any{map[string]any{"did": map[string]any{"type": "custom",
			"where": []any{map[string]any{"field": "name", "op": "eq", "value": "never"}}}}}}
	got.People, got.Sessions, got.Events, got.PerDay = -1, -1, -1, nil
	if code := e.call("POST", "/segments/v1/preview", map[string]any{"definition": none}, &got); code != 200 {
		t.Fatalf("preview of an empty segment: HTTP %d", code)
	}
	if got.People != 0 || got.Sessions != 0 || got.Events != 0 || len(got.PerDay) != 0 {
		t.Errorf("empty segment = %+v, want zeros", got)
	}
}
