package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestInvalidTextIsStoredMended sends text that is not UTF-8, short and
// long, through the v2 and browser endpoints, and a property holding a
// lone UTF-16 surrogate escape, as a browser writes for a string cut
// inside an emoji. Each is accepted, stored with U+FFFD in place of what
// could not be read, and exported; none may break the export of the
// events around it.
func TestInvalidTextIsStoredMended(t *testing.T) {
	e := newEnv(t)
	long := "abcdefghijklmnop\xff\xfe"
	items := []string{
		`{"user":{"uid":"u1"},"name":"long","timestamp":"2024-05-01T10:00:00Z","properties":{"bad":"` + long + `"}}`,
		`{"user":{"uid":"u1"},"name":"short","timestamp":"2024-05-01T10:00:01Z","properties":{"bad":"ab` + "\xff" + `c"}}`,
		`{"user":{"uid":"u1"},"name":"cut","timestamp":"2024-05-01T10:00:02Z","properties":{"bad":"\ud83d cut","tags":["\ud83d\ude00","\udead"]}}`,
	}
	for _, it := range items {
		if code := e.call("POST", "/v2/events", it, nil); code != 200 {
			t.Fatalf("POST /v2/events %q: HTTP %d, want 200", it, code)
		}
	}
	batch := `{"org":"` + string(testOrg) + `","device":"d1","userAgent":"ab` + "\xff" + `c",` +
		`"events":[{"type":"click","ts":"2024-05-01T10:00:03Z","id":"r1","text":"` + long + `"}]}`
	var out map[string]any
	if code := e.callKey("", "POST", "/rec/events", batch, &out); code != 200 {
		t.Fatalf("POST /rec/events: HTTP %d %v, want 200", code, out)
	}

	if code := e.call("POST", "/v2/users", `{"uid":"u1","properties":{"nick":"\ud83d x"}}`, nil); code != 200 {
		t.Fatalf("POST /v2/users with a cut emoji: HTTP %d, want 200", code)
	}
	people, _ := e.exportFile(map[string]any{"segmentId": "everyone", "type": "TYPE_INDIVIDUAL",
		"format": "FORMAT_NDJSON", "timeRange": may1})
	if !strings.Contains(string(people), `"user_nick_str":"\ufffd x"`) &&
		!strings.Contains(string(people), `"user_nick_str":"`+"\uFFFD"+` x"`) {
		t.Errorf("people export does not carry the mended nick:\n%s", people)
	}

	for _, format := range []string{"FORMAT_NDJSON", "FORMAT_PARQUET"} {
		body, _ := e.exportFile(map[string]any{"segmentId": "everyone", "type": "TYPE_EVENT",
			"format": format, "timeRange": may1})
		if format == "FORMAT_PARQUET" {
			continue // it finished: a broken window fails the export
		}
		var rows []map[string]any
		for line := range strings.Lines(string(body)) {
			var row map[string]any
			if err := json.Unmarshal([]byte(line), &row); err != nil {
				t.Fatalf("export line %q: %v", line, err)
			}
			rows = append(rows, row)
		}
		if len(rows) != 4 {
			t.Fatalf("%d rows exported, want 4:\n%s", len(rows), body)
		}
		want := map[string]string{
			"long":  "abcdefghijklmnop\uFFFD",
			"short": "ab\uFFFDc",
			"cut":   "\uFFFD cut",
		}
		for _, r := range rows {
			name, _ := r["EventCustomName"].(string)
			if w, ok := want[name]; ok && r["evt_bad_str"] != w {
				t.Errorf("%s: evt_bad_str = %q, want %q", name, r["evt_bad_str"], w)
			}
			if name == "cut" {
				tags, _ := json.Marshal(r["evt_tags_strs"])
				if string(tags) != `["😀","\ufffd"]` && string(tags) != `["😀","�"]` {
					t.Errorf("cut: evt_tags_strs = %s, want the emoji and U+FFFD", tags)
				}
			}
			if r["EventType"] == "click" {
				// Decoding JSON makes each bad byte a U+FFFD of its own.
				text, _ := r["EventTargetText"].(string)
				if strings.TrimRight(text, "\uFFFD") != "abcdefghijklmnop" || r["PageUserAgent"] != "ab\uFFFDc" {
					t.Errorf("browser click: text %q, agent %q", r["EventTargetText"], r["PageUserAgent"])
				}
			}
		}
	}
}

// TestLowercaseRFC3339 sends the lower-case "t" and "z" RFC 3339 allows.
func TestLowercaseRFC3339(t *testing.T) {
	e := newEnv(t)
	body := `{"user":{"uid":"u1"},"name":"late","timestamp":"2024-05-01t10:00:04.5z",` +
		`"properties":{"when_date":"2024-05-01t09:00:00z"}}`
	if code := e.call("POST", "/v2/events", body, nil); code != 200 {
		t.Fatalf("POST /v2/events with a lower-case t and z: HTTP %d, want 200", code)
	}
	out, _ := e.exportFile(map[string]any{"segmentId": "everyone", "type": "TYPE_EVENT",
		"format": "FORMAT_NDJSON", "fields": []string{"EventStart", "evt_when_date"}, "timeRange": may1})
	if !strings.Contains(string(out), `"EventStart":"2024-05-01T10:00:04.500Z"`) ||
		!strings.Contains(string(out), `"evt_when_date":"2024-05-01T09:00:00.000Z"`) {
		t.Errorf("export = %s, want the event at 10:00:04.5 with its date", out)
	}
}

// TestRecErrorsNameTheField checks that a browser batch of the wrong
// shape is answered in the API's terms, not Go's.
func TestRecErrorsNameTheField(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct{ body, want string }{
		{`{"org":"` + string(testOrg) + `","device":"d1","events":"x"}`, "events: want a list, got JSON string"},
		{`{"org":"` + string(testOrg) + `","device":"d1","events":[{"type":7}]}`, "events.type: want a string, got JSON number"},
		{`{"org":`, "not valid JSON"},
	} {
		var out map[string]any
		code := e.callKey("", "POST", "/rec/events", c.body, &out)
		msg, _ := out["message"].(string)
		if code != 400 || !strings.Contains(msg, c.want) || strings.Contains(msg, "Go ") {
			t.Errorf("%s: HTTP %d %q, want 400 saying %q", c.body, code, msg, c.want)
		}
	}
}
