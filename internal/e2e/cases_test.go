package e2e

import (
	"testing"
)

// The export cases of ../shared/cases/export-cases.md, driven through
// the public HTTP endpoints. Neutral names map onto ours: event_id is
// EventId, event_time EventStart, target_text EventTargetText, props.x
// evt_x_<type>, user_id UserAppKey, anon_id DeviceKey, event_count
// NumEvents, traits.x user_x_<type>.

func TestCaseBUG10MidnightEndExclusive(t *testing.T) {
	e := newEnv(t)
	e.ingest(`
{"event_id":"e0","ts":"2024-04-30T23:59:59.999Z"}
{"event_id":"e1","ts":"2024-05-01T00:00:00.000Z"}
{"event_id":"e2","ts":"2024-05-01T23:59:59.999Z"}
{"event_id":"e3","ts":"2024-05-02T00:00:00.000Z"}`)
	fields := []string{"EventId", "EventStart"}
	a := "EventId,EventStart\ne1,2024-05-01T00:00:00.000Z\ne2,2024-05-01T23:59:59.999Z\n"
	wantText(t, e.csvExport(map[string]any{"fields": fields,
		"timeRange": day("2024-05-01T00:00:00Z", "2024-05-02T00:00:00Z")}), a)
	wantText(t, e.csvExport(map[string]any{"fields": fields,
		"timeRange": day("2024-05-02T00:00:00Z", "2024-05-03T00:00:00Z")}),
		"EventId,EventStart\ne3,2024-05-02T00:00:00.000Z\n")
	wantText(t, e.csvExport(map[string]any{"fields": fields, "timezone": "UTC",
		"timeRange": day("2024-05-01", "2024-05-02")}), a)
}

func TestCaseBUG11LocalRangeConverts(t *testing.T) {
	e := newEnv(t)
	e.ingest(`
{"event_id":"e1","ts":"2024-01-15T04:30:00.000Z"}
{"event_id":"e2","ts":"2024-01-15T05:30:00.000Z"}
{"event_id":"e3","ts":"2024-01-16T04:59:59.999Z"}
{"event_id":"e4","ts":"2024-01-16T05:00:00.000Z"}`)
	ny := "America/New_York"
	fields := []string{"EventId", "EventStart"}
	wantText(t, e.csvExport(map[string]any{"fields": fields, "timezone": ny, "renderTimezone": ny,
		"timeRange": day("2024-01-15T00:00:00", "2024-01-16T00:00:00")}),
		"EventId,EventStart\ne2,2024-01-15T00:30:00.000-05:00\ne3,2024-01-15T23:59:59.999-05:00\n")
	wantText(t, e.csvExport(map[string]any{"fields": fields, "timezone": ny, "renderTimezone": ny,
		"timeRange": day("2024-01-15T00:00:00Z", "2024-01-16T00:00:00Z")}),
		"EventId,EventStart\ne1,2024-01-14T23:30:00.000-05:00\ne2,2024-01-15T00:30:00.000-05:00\n")
	wantText(t, e.csvExport(map[string]any{"fields": fields, "timezone": "UTC",
		"timeRange": day("2024-01-15T00:00:00", "2024-01-16T00:00:00")}),
		"EventId,EventStart\ne1,2024-01-15T04:30:00.000Z\ne2,2024-01-15T05:30:00.000Z\n")
	for _, tz := range []string{"Mars/Olympus", "+05:00"} {
		var out struct{ Message, Code string }
		code := e.call("POST", "/segments/v1/exports", map[string]any{"segmentId": "everyone",
			"type": "TYPE_EVENT", "format": "FORMAT_CSV", "timezone": tz}, &out)
		if code != 400 {
			t.Errorf("timezone %q: HTTP %d %v, want 400", tz, code, out)
		}
	}
}

func TestCaseBUG12SpringForwardDay(t *testing.T) {
	e := newEnv(t)
	e.ingest(`
{"event_id":"e0","ts":"2024-03-10T04:59:59.999Z"}
{"event_id":"e1","ts":"2024-03-10T06:30:00.000Z"}
{"event_id":"e6","ts":"2024-03-10T06:45:00.000Z"}
{"event_id":"e2","ts":"2024-03-10T07:30:00.000Z"}
{"event_id":"e3","ts":"2024-03-11T03:59:59.999Z"}
{"event_id":"e4","ts":"2024-03-11T04:00:00.000Z"}`)
	ny := "America/New_York"
	fields := []string{"EventId", "EventStart"}
	wantText(t, e.csvExport(map[string]any{"fields": fields, "timezone": ny, "renderTimezone": ny,
		"timeRange": day("2024-03-10", "2024-03-11")}),
		"EventId,EventStart\n"+
			"e1,2024-03-10T01:30:00.000-05:00\n"+
			"e6,2024-03-10T01:45:00.000-05:00\n"+
			"e2,2024-03-10T03:30:00.000-04:00\n"+
			"e3,2024-03-10T23:59:59.999-04:00\n")
	wantText(t, e.csvExport(map[string]any{"fields": fields, "timezone": ny, "renderTimezone": ny,
		"timeRange": day("2024-03-10T02:30:00", "2024-03-10T04:00:00")}),
		"EventId,EventStart\ne2,2024-03-10T03:30:00.000-04:00\n")
}

func TestCaseBUG14SubSecondOrder(t *testing.T) {
	e := newEnv(t)
	e.ingest(`
{"event_id":"e1","ts":"2024-02-02T09:15:05.000Z"}
{"event_id":"e2","ts":"2024-02-02T09:15:05.0079Z"}
{"event_id":"e3","ts":"2024-02-02T09:15:05.120Z"}
{"event_id":"e4","ts":"2024-02-02T09:15:04.999Z"}
{"event_id":"e5","ts":"2024-02-02T23:59:59.9996Z"}
{"event_id":"e6","ts":"2024-02-02T09:15:05Z"}`)
	wantText(t, e.csvExport(map[string]any{"fields": []string{"EventId", "EventStart"},
		"timeRange": day("2024-02-02T00:00:00Z", "2024-02-03T00:00:00Z")}),
		"EventId,EventStart\n"+
			"e4,2024-02-02T09:15:04.999Z\n"+
			"e1,2024-02-02T09:15:05.000Z\n"+
			"e6,2024-02-02T09:15:05.000Z\n"+
			"e2,2024-02-02T09:15:05.007Z\n"+
			"e3,2024-02-02T09:15:05.120Z\n"+
			"e5,2024-02-02T23:59:59.999Z\n")
}

func TestCaseBUG19RetriesAndRepeats(t *testing.T) {
	e := newEnv(t)
	e.ingest(`
{"event_id":"e1","user_id":"u-1","ts":"2024-05-01T10:00:00.000Z","target_text":"Checkout","received_at":"2024-05-01T10:00:00.200Z"}
{"event_id":"e1","user_id":"u-1","ts":"2024-05-01T10:00:00.000Z","target_text":"Checkout","received_at":"2024-05-01T10:00:02.200Z"}
{"event_id":"e2","user_id":"u-1","ts":"2024-05-01T10:00:00.000Z","target_text":"Checkout"}
{"event_id":"e1","user_id":"u-1","ts":"2024-05-01T10:00:00.000Z","target_text":"Checkout (v2)","received_at":"2024-05-01T10:00:09.000Z"}`)
	rng := day("2024-05-01", "2024-05-02")
	wantText(t, e.csvExport(map[string]any{"fields": []string{"EventId", "EventTargetText"}, "timeRange": rng}),
		"EventId,EventTargetText\ne1,Checkout\ne2,Checkout\n")
	wantText(t, e.csvExport(map[string]any{"type": "TYPE_INDIVIDUAL",
		"fields": []string{"UserAppKey", "NumEvents"}, "timeRange": rng}),
		"UserAppKey,NumEvents\nu-1,2\n")

	for n, want := range map[int]string{2: "UserAppKey\nu-1\n", 3: "UserAppKey\n"} {
		def := map[string]any{"name": "checkout clicks", "timeRange": map[string]any{"all": true},
			"criteria": []any{map[string]any{
				"did": map[string]any{"type": "click", "where": []any{
					map[string]any{"field": "target_text", "op": "eq", "value": "Checkout"}}},
				"count": map[string]any{"op": "gte", "value": n}}}}
		var seg struct{ ID string }
		if code := e.call("POST", "/segments/v1", def, &seg); code != 200 {
			t.Fatalf("create segment: HTTP %d", code)
		}
		wantText(t, e.csvExport(map[string]any{"segmentId": seg.ID, "type": "TYPE_INDIVIDUAL",
			"fields": []string{"UserAppKey"}}), want)
	}
}

func TestCaseBUG23IdentityMerge(t *testing.T) {
	e := newEnv(t)
	e.ingest(`
{"event_id":"e1","anon_id":"a-1","type":"pageview","url":"https://shop.example/pricing","ts":"2024-05-10T10:00:00.000Z"}
{"event_id":"e2","anon_id":"a-1","type":"custom","name":"add_to_cart","ts":"2024-05-10T10:05:00.000Z"}
{"kind":"identify","anon_id":"a-1","user_id":"cust-42","ts":"2024-05-10T10:06:00.000Z","traits":{"email":"ana.test@example.com","plan":"pro"}}
{"event_id":"e3","anon_id":"a-1","user_id":"cust-42","type":"custom","name":"checkout","ts":"2024-05-10T10:07:00.000Z"}
{"event_id":"e4","anon_id":"a-2","type":"pageview","ts":"2024-05-11T08:00:00.000Z"}
{"kind":"identify","anon_id":"a-2","user_id":"cust-42","ts":"2024-05-11T08:01:00.000Z"}
{"event_id":"e5","anon_id":"a-2","user_id":"cust-42","type":"custom","name":"checkout","ts":"2024-05-11T08:02:00.000Z"}
{"event_id":"e6","anon_id":"a-3","type":"pageview","ts":"2024-05-11T09:00:00.000Z"}`)
	def := map[string]any{"name": "carted pros",
		"timeRange": map[string]any{"start": "2024-05-10", "end": "2024-05-12"},
		"criteria": []any{
			map[string]any{"did": map[string]any{"type": "custom", "where": []any{
				map[string]any{"field": "name", "op": "eq", "value": "add_to_cart"}}}},
			map[string]any{"user": map[string]any{"field": "user_plan_str", "op": "eq", "value": "pro"}},
		}}
	var seg struct{ ID string }
	if code := e.call("POST", "/segments/v1", def, &seg); code != 200 {
		t.Fatalf("create segment: HTTP %d", code)
	}
	wantText(t, e.csvExport(map[string]any{"segmentId": seg.ID, "type": "TYPE_INDIVIDUAL",
		"fields": []string{"UserAppKey", "UserEmail", "user_plan_str"}}),
		"UserAppKey,UserEmail,user_plan_str\ncust-42,ana.test@example.com,pro\n")
	wantText(t, e.csvExport(map[string]any{"segmentId": seg.ID,
		"fields": []string{"EventId", "UserAppKey", "DeviceKey", "EventCustomName", "EventStart"}}),
		"EventId,UserAppKey,DeviceKey,EventCustomName,EventStart\n"+
			"e1,cust-42,a-1,,2024-05-10T10:00:00.000Z\n"+
			"e2,cust-42,a-1,add_to_cart,2024-05-10T10:05:00.000Z\n"+
			"e3,cust-42,a-1,checkout,2024-05-10T10:07:00.000Z\n"+
			"e4,cust-42,a-2,,2024-05-11T08:00:00.000Z\n"+
			"e5,cust-42,a-2,checkout,2024-05-11T08:02:00.000Z\n")
}

func TestCaseBUG25MembershipVsExportWindow(t *testing.T) {
	e := newEnv(t)
	e.ingest(`
{"event_id":"e1","user_id":"u-1","anon_id":"a-1","type":"custom","name":"checkout","ts":"2024-08-05T12:00:00.000Z"}
{"event_id":"e2","user_id":"u-1","anon_id":"a-1","type":"pageview","ts":"2024-08-20T12:00:00.000Z"}
{"event_id":"e3","user_id":"u-1","anon_id":"a-1","type":"pageview","ts":"2024-08-21T12:00:00.000Z"}
{"event_id":"e4","user_id":"u-2","anon_id":"a-2","type":"pageview","ts":"2024-08-20T13:00:00.000Z"}
{"event_id":"e5","user_id":"u-3","anon_id":"a-3","type":"custom","name":"checkout","ts":"2024-07-20T12:00:00.000Z"}
{"event_id":"e6","user_id":"u-3","anon_id":"a-3","type":"pageview","ts":"2024-08-22T12:00:00.000Z"}`)
	def := map[string]any{"name": "checkout, last 30 days", "timeRange": map[string]any{"last": "30d"},
		"criteria": []any{map[string]any{"did": map[string]any{"type": "custom", "where": []any{
			map[string]any{"field": "name", "op": "eq", "value": "checkout"}}}}}}
	var seg struct{ ID string }
	if code := e.call("POST", "/segments/v1", def, &seg); code != 200 {
		t.Fatalf("create segment: HTTP %d", code)
	}
	window := day("2024-08-01", "2024-09-01")
	late, early := day("2024-08-15", "2024-09-01"), day("2024-08-01", "2024-08-10")
	ev := []string{"EventId", "UserAppKey"}
	wantText(t, e.csvExport(map[string]any{"segmentId": seg.ID, "segmentTimeRange": window,
		"timeRange": late, "fields": ev}), "EventId,UserAppKey\ne2,u-1\ne3,u-1\n")
	wantText(t, e.csvExport(map[string]any{"segmentId": seg.ID, "segmentTimeRange": window,
		"timeRange": late, "fields": ev, "eventDetails": map[string]any{"scope": "SCOPE_EVENT"}}),
		"EventId,UserAppKey\n")
	for _, rng := range []map[string]any{late, early} {
		wantText(t, e.csvExport(map[string]any{"segmentId": seg.ID, "segmentTimeRange": window,
			"timeRange": rng, "type": "TYPE_INDIVIDUAL", "fields": []string{"UserAppKey"}}),
			"UserAppKey\nu-1\n")
	}
	// The saved "last 30 days", judged at a clock of 2024-08-31T00:00Z.
	e.clock.Set(mustTime("2024-08-31T00:00:00Z"))
	wantText(t, e.csvExport(map[string]any{"segmentId": seg.ID, "timezone": "UTC",
		"timeRange": late, "fields": ev}), "EventId,UserAppKey\ne2,u-1\ne3,u-1\n")
}
