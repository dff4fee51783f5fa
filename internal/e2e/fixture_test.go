package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// fixtureLine is one line of the export cases' neutral fixture format
// (../shared/cases/export-cases.md), with its documented defaults.
type fixtureLine struct {
	Kind       string          `json:"kind"`
	EventID    string          `json:"event_id"`
	AnonID     string          `json:"anon_id"`
	UserID     *string         `json:"user_id"`
	Type       string          `json:"type"`
	Name       string          `json:"name"`
	TS         string          `json:"ts"`
	ReceivedAt string          `json:"received_at"`
	URL        string          `json:"url"`
	TargetText *string         `json:"target_text"`
	UserAgent  string          `json:"user_agent"`
	Props      json.RawMessage `json:"props"`
	Traits     map[string]any  `json:"traits"`
}

const uaChrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 " +
	"(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"

// ingest sends fixture lines through the public endpoints: events and
// identifies through the browser endpoint (with the server clock set to
// the line's receipt time), traits through POST /v2/users.
func (e *env) ingest(lines string) {
	e.t.Helper()
	for i, raw := range strings.Split(strings.TrimSpace(lines), "\n") {
		var l fixtureLine
		if err := json.Unmarshal([]byte(raw), &l); err != nil {
			e.t.Fatalf("fixture line %d: %v", i+1, err)
		}
		if l.AnonID == "" {
			l.AnonID = "a-1"
		}
		ts, err := time.Parse(time.RFC3339Nano, l.TS)
		if err != nil {
			e.t.Fatalf("fixture line %d: ts: %v", i+1, err)
		}
		recv := ts.Add(200 * time.Millisecond)
		if l.ReceivedAt != "" {
			recv, _ = time.Parse(time.RFC3339Nano, l.ReceivedAt)
		}
		e.clock.Set(recv)
		switch l.Kind {
		case "traits":
			e.sendTraits(i, l)
		case "identify":
			ev := map[string]any{"id": fmt.Sprintf("identify-%d", i), "type": "identify",
				"ts": l.TS, "uid": *l.UserID, "user": l.Traits}
			e.sendRec(i, l, ev)
		default:
			e.sendRec(i, l, fixtureEvent(l))
		}
	}
}

func fixtureEvent(l fixtureLine) map[string]any {
	ev := map[string]any{"id": l.EventID, "type": "click", "ts": l.TS,
		"url": "https://shop.example/"}
	if l.Type != "" {
		ev["type"] = l.Type
	}
	if l.URL != "" {
		ev["url"] = l.URL
	}
	if l.Name != "" {
		ev["name"] = l.Name
	}
	if l.TargetText != nil {
		ev["text"] = *l.TargetText
	}
	if l.UserID != nil {
		ev["uid"] = *l.UserID
	}
	if len(l.Props) > 0 {
		ev["props"] = l.Props
	}
	return ev
}

func (e *env) sendRec(i int, l fixtureLine, ev map[string]any) {
	e.t.Helper()
	ua := l.UserAgent
	if ua == "" {
		ua = uaChrome
	}
	batch := map[string]any{"org": string(testOrg), "device": l.AnonID,
		"userAgent": ua, "events": []any{ev}}
	var out map[string]any
	if code := e.callKey("", "POST", "/rec/events", batch, &out); code != 200 {
		e.t.Fatalf("fixture line %d: /rec/events HTTP %d %v", i+1, code, out)
	}
}

func (e *env) sendTraits(i int, l fixtureLine) {
	e.t.Helper()
	body := map[string]any{"uid": *l.UserID}
	props := map[string]any{}
	for k, v := range l.Traits {
		switch k {
		case "display_name", "email":
			body[k] = v
		default:
			props[k] = v
		}
	}
	body["properties"] = props
	var out map[string]any
	if code := e.call("POST", "/v2/users", body, &out); code != 200 {
		e.t.Fatalf("fixture line %d: /v2/users HTTP %d %v", i+1, code, out)
	}
}

// csvExport runs an export with gzip off and returns the file's text.
func (e *env) csvExport(req map[string]any) string {
	e.t.Helper()
	if req["segmentId"] == nil {
		req["segmentId"] = "everyone"
	}
	if req["type"] == nil {
		req["type"] = "TYPE_EVENT"
	}
	if req["format"] == nil {
		req["format"] = "FORMAT_CSV"
	}
	req["compression"] = "COMPRESSION_NONE"
	body, _ := e.exportFile(req)
	return string(body)
}

func day(start, end string) map[string]any {
	return map[string]any{"start": start, "end": end}
}

func wantText(t *testing.T, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("file =\n%s\nwant\n%s", got, want)
	}
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}
