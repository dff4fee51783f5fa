package e2e

import (
	"bytes"
	"encoding/csv"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestV2IngestSegmentExportEveryFormat ingests through the v2 API, saves a
// segment, and exports it in every format and both types.
func TestV2IngestSegmentExportEveryFormat(t *testing.T) {
	e := newEnv(t)
	for _, u := range []map[string]any{
		{"uid": "ana", "email": "ana@example.org", "display_name": "Ana",
			"properties": map[string]any{"plan": "pro", "seats": 3}},
		{"uid": "bo", "email": "bo@example.com", "properties": map[string]any{"plan": "free"}},
	} {
		var out map[string]any
		if code := e.call("POST", "/v2/users", u, &out); code != 200 || out["id"] == nil {
			t.Fatalf("create user: HTTP %d %v", code, out)
		}
	}
	for i, ev := range []map[string]any{
		{"user": map[string]any{"uid": "ana"}, "name": "Order Completed",
			"timestamp": "2026-12-01T10:00:00Z", "properties": map[string]any{"total": 19.5}},
		{"user": map[string]any{"uid": "ana"}, "name": "Viewed", "timestamp": "2026-12-01T10:05:00Z"},
		{"user": map[string]any{"uid": "bo"}, "name": "Viewed", "timestamp": "2026-12-01T11:00:00Z"},
	} {
		if code := e.call("POST", "/v2/events", ev, nil); code != 200 {
			t.Fatalf("event %d: HTTP %d", i, code)
		}
	}
	def := map[string]any{"name": "Buyers", "timeRange": map[string]any{"all": true},
		"criteria": []any{map[string]any{"did": map[string]any{"type": "custom",
			"where": []any{map[string]any{"field": "name", "op": "eq", "value": "Order Completed"}}}}}}
	var seg struct{ ID string }
	if code := e.call("POST", "/segments/v1", def, &seg); code != 200 {
		t.Fatalf("create segment: HTTP %d", code)
	}

	fields := []string{"UserAppKey", "EventCustomName", "EventStart", "evt_total_real"}
	for _, format := range []string{"FORMAT_CSV", "FORMAT_JSON", "FORMAT_NDJSON", "FORMAT_PARQUET"} {
		body, resp := e.exportFile(map[string]any{"segmentId": seg.ID, "type": "TYPE_EVENT",
			"format": format, "fields": fields})
		if resp.Header.Get("Content-Encoding") != "" {
			t.Errorf("%s: Content-Encoding %q, want none", format, resp.Header.Get("Content-Encoding"))
		}
		switch format {
		case "FORMAT_CSV":
			recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			want := "[[UserAppKey EventCustomName EventStart evt_total_real] " +
				"[ana Order Completed 2026-12-01T10:00:00.000Z 19.5] " +
				"[ana Viewed 2026-12-01T10:05:00.000Z ]]"
			if got := strings.Join(strings.Fields(strings.ReplaceAll(
				strings.ReplaceAll(fmtRecs(recs), "\n", " "), "  ", " ")), " "); got != want {
				t.Errorf("CSV = %s\nwant %s", got, want)
			}
		case "FORMAT_NDJSON":
			want := `{"UserAppKey":"ana","EventCustomName":"Order Completed","EventStart":"2026-12-01T10:00:00.000Z","evt_total_real":19.5}` + "\n" +
				`{"UserAppKey":"ana","EventCustomName":"Viewed","EventStart":"2026-12-01T10:05:00.000Z"}` + "\n"
			if string(body) != want {
				t.Errorf("NDJSON = %q\nwant %q", body, want)
			}
		case "FORMAT_JSON":
			if rows := decodeRows(t, body); len(rows) != 2 {
				t.Errorf("JSON rows = %d, want 2", len(rows))
			}
		case "FORMAT_PARQUET":
			if !bytes.HasPrefix(body, []byte("PAR1")) {
				t.Errorf("Parquet file starts %q, want PAR1", body[:4])
			}
		}
	}

	body, _ := e.exportFile(map[string]any{"segmentId": seg.ID, "type": "TYPE_INDIVIDUAL",
		"format": "FORMAT_CSV", "fields": []string{"UserAppKey", "UserEmail", "NumEvents", "user_plan_str"}})
	if want := "UserAppKey,UserEmail,NumEvents,user_plan_str\nana,ana@example.org,2,pro\n"; string(body) != want {
		t.Errorf("individuals CSV = %q, want %q", body, want)
	}
}

func fmtRecs(recs [][]string) string {
	var b strings.Builder
	b.WriteString("[")
	for i, r := range recs {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString("[" + strings.Join(r, " ") + "]")
	}
	return b.String() + "]"
}

// TestBadInput checks that each kind of bad request gets the right 4xx
// with the JSON error body.
func TestBadInput(t *testing.T) {
	e := newEnv(t)
	valid := `{"segmentId":"everyone","type":"TYPE_EVENT","format":"FORMAT_CSV"}`
	cases := []struct {
		name, key, method, path, body string
		status                        int
		code, mention                 string
	}{
		{"no key", "", "POST", "/segments/v1/exports", valid, 401, "unauthorized", "key"},
		{"wrong key", "nope", "POST", "/segments/v1/exports", valid, 401, "unauthorized", "not valid"},
		{"standard key exports", stdKey, "POST", "/segments/v1/exports", valid, 403, "forbidden", "standard"},
		{"malformed JSON", adminKey, "POST", "/segments/v1/exports", `{"segmentId":`, 400, "invalid_argument", "JSON"},
		{"wrong type", adminKey, "POST", "/segments/v1/exports", `{"segmentId":5,"type":"TYPE_EVENT","format":"FORMAT_CSV"}`, 400, "invalid_argument", "segmentId"},
		{"unknown segment", adminKey, "POST", "/segments/v1/exports", `{"segmentId":"does-not-exist","type":"TYPE_EVENT","format":"FORMAT_CSV"}`, 404, "resource_not_found", "does-not-exist"},
		{"unknown field", adminKey, "POST", "/segments/v1/exports", `{"segmentId":"everyone","type":"TYPE_EVENT","format":"FORMAT_CSV","fields":["evnt_time"]}`, 400, "invalid_argument", "evnt_time"},
		{"unknown timezone", adminKey, "POST", "/segments/v1/exports", `{"segmentId":"everyone","type":"TYPE_EVENT","format":"FORMAT_CSV","timezone":"Mars/Olympus"}`, 400, "invalid_argument", "Mars/Olympus"},
		{"end before start", adminKey, "POST", "/segments/v1/exports", `{"segmentId":"everyone","type":"TYPE_EVENT","format":"FORMAT_CSV","timeRange":{"start":"2024-05-02T00:00:00Z","end":"2024-05-01T00:00:00Z"}}`, 400, "invalid_argument", "end"},
		{"missing format", adminKey, "POST", "/segments/v1/exports", `{"segmentId":"everyone","type":"TYPE_EVENT"}`, 400, "required_field", "format"},
		{"oversized body", adminKey, "POST", "/v2/users", `{"uid":"` + strings.Repeat("x", 2<<20) + `"}`, 413, "payload_too_large", "bytes"},
		{"unknown operation", adminKey, "GET", "/operations/v1/nope", "", 404, "resource_not_found", "nope"},
		{"preview of a segment and a definition", adminKey, "POST", "/segments/v1/preview", `{"segmentId":"everyone","definition":{"criteria":[]}}`, 400, "invalid_argument", "not both"},
		{"batch requests not a list", adminKey, "POST", "/v2/events/batch", `{"requests": {"name": "x"}}`, 400, "invalid_argument", "list"},
		{"bad capture batch", "", "POST", "/rec/events", `{"org":"o-test","device":"d","events":[{"id":"1","type":"bogus","ts":"2024-01-01T00:00:00Z"}]}`, 400, "invalid_argument", "bogus"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out struct{ Message, Code string }
			status := e.callKey(tc.key, tc.method, tc.path, tc.body, &out)
			if status != tc.status || out.Code != tc.code || !strings.Contains(out.Message, tc.mention) {
				t.Errorf("got %d %q %q; want %d %q mentioning %q", status, out.Code,
					out.Message, tc.status, tc.code, tc.mention)
			}
		})
	}
}

// TestTamperedAndExpiredLinks checks that a download link cannot be
// altered and stops working when it expires.
func TestTamperedAndExpiredLinks(t *testing.T) {
	e := newEnv(t)
	var created struct{ OperationID string }
	e.call("POST", "/segments/v1/exports", map[string]any{"segmentId": "everyone",
		"type": "TYPE_EVENT", "format": "FORMAT_CSV"}, &created)
	op := e.waitOp(created.OperationID)
	var res struct{ Location string }
	e.call("GET", "/search/v1/exports/"+op.Results.SearchExportID+"/results", nil, &res)

	get := func(url string) int {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get(res.Location); code != 200 {
		t.Fatalf("fresh link: HTTP %d, want 200", code)
	}
	if code := get(strings.Replace(res.Location, "sig=", "sig=x", 1)); code != 403 {
		t.Errorf("tampered link: HTTP %d, want 403", code)
	}
	e.clock.Set(e.clock.Now().Add(6 * 60e9))
	if code := get(res.Location); code != 403 {
		t.Errorf("expired link: HTTP %d, want 403", code)
	}
}

// TestV2BatchPartialFailure checks that a batch keeps its good items,
// lists the bad one, and ends FAILED as the hosted API reports it.
func TestV2BatchPartialFailure(t *testing.T) {
	e := newEnv(t)
	var u map[string]any
	e.call("POST", "/v2/users", map[string]any{"uid": "ana"}, &u)
	reqs := []any{
		map[string]any{"user": map[string]any{"uid": "ana"}, "name": "A", "timestamp": "2026-12-01T10:00:00Z"},
		map[string]any{"user": map[string]any{"id": u["id"]}, "name": "B", "timestamp": "2026-12-01T10:01:00Z"},
		map[string]any{"user": map[string]any{"id": "999999"}, "name": "C"},
	}
	var created struct{ Job struct{ ID, Status string } }
	if code := e.call("POST", "/v2/events/batch", map[string]any{"requests": reqs}, &created); code != 200 ||
		created.Job.Status != "PROCESSING" {
		t.Fatalf("create batch: HTTP %d %+v", code, created)
	}
	var status struct {
		Job             struct{ Status string }
		Imports, Errors int
	}
	e.call("GET", "/v2/events/batch/"+created.Job.ID, nil, &status)
	if status.Job.Status != "FAILED" || status.Imports != 2 || status.Errors != 1 {
		t.Fatalf("job status = %+v, want FAILED with 2 imports and 1 error", status)
	}
	var errs struct {
		Results      []struct{ Message, Code string }
		TotalRecords string `json:"total_records"`
	}
	e.call("GET", "/v2/events/batch/"+created.Job.ID+"/errors", nil, &errs)
	if errs.TotalRecords != "1" || errs.Results[0].Code != "resource_not_found" {
		t.Errorf("errors = %+v", errs)
	}
	got := e.csvExport(map[string]any{"fields": []string{"UserAppKey", "EventCustomName"}})
	wantText(t, got, "UserAppKey,EventCustomName\nana,A\nana,B\n")
}

// TestDownloadResumesWithRange checks that a broken download can ask for
// the rest of the file.
func TestDownloadResumesWithRange(t *testing.T) {
	e := newEnv(t)
	e.ingest(`
{"event_id":"e1","ts":"2024-05-01T10:00:00.000Z"}
{"event_id":"e2","ts":"2024-05-01T10:00:01.000Z"}`)
	whole, _ := e.rawExport(map[string]any{"segmentId": "everyone", "type": "TYPE_EVENT",
		"format": "FORMAT_CSV"})
	var ops struct{ Operations []operation }
	e.call("GET", "/operations/v1?limit=1", nil, &ops)
	var res struct{ Location string }
	e.call("GET", "/search/v1/exports/"+ops.Operations[0].Results.SearchExportID+"/results", nil, &res)
	req, _ := http.NewRequest("GET", res.Location, nil)
	req.Header.Set("Range", "bytes=10-")
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	tail, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(tail, whole[10:]) {
		t.Errorf("range: HTTP %d, %d bytes; want 206 and the last %d bytes",
			resp.StatusCode, len(tail), len(whole)-10)
	}
}

// TestResultsOfAFailedExport checks that asking for the file of an
// export that failed says so, with the reason, rather than that the
// export does not exist.
func TestResultsOfAFailedExport(t *testing.T) {
	e := newEnv(t)
	e.interruptedExport("op-gave-up")
	if got := e.waitOp("op-gave-up"); got.State != "FAILED" {
		t.Fatalf("operation state %q, want FAILED", got.State)
	}
	var res struct{ Code, Message string }
	code := e.call("GET", "/search/v1/exports/op-gave-up/results", nil, &res)
	if code != 404 || !strings.Contains(res.Message, "failed") {
		t.Errorf("results of a failed export: HTTP %d %+v, want 404 saying it failed", code, res)
	}
	code = e.call("GET", "/search/v1/exports/no-such-export/results", nil, &res)
	if code != 404 || !strings.Contains(res.Message, "does not exist") {
		t.Errorf("results of no export: HTTP %d %+v", code, res)
	}
}
