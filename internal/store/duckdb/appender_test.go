package duckdb

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
)

// TestAppendEventsStoresEveryKind appends rows that cross chunk
// boundaries, with strings either side of DuckDB's 12 inline bytes,
// nulls, flags given as bools and props that need escaping, and reads
// every value back with SQL.
func TestAppendEventsStoresEveryKind(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	at := time.Date(2024, 5, 1, 10, 0, 0, 123456000, time.UTC)
	texts := []any{nil, "", "twelve bytes", "thirteen byte", strings.Repeat("é", 40)}

	const n = 2*chunkRows + 17
	recs := make([]event.Record, n)
	for i := range recs {
		v := map[string]any{
			"EventId": fmt.Sprintf("e%05d", i), "EventStart": at.Add(time.Duration(i) * time.Second),
			"IndvId": int64(i), "UserId": int64(-i), "SessionId": int64(1) << 62,
			"EventType": "click", "EventModDead": i%2 == 0,
		}
		if t := texts[i%len(texts)]; t != nil {
			v["EventTargetText"] = t
		}
		recs[i] = event.Record{Values: v}
		if i%3 == 0 {
			recs[i].EventProps = event.Props{`say "hi"_str`: json.RawMessage(`"a\nb"`),
				"tags_strs": json.RawMessage(`[ "x", "y" ]`)}
		}
	}
	if got, err := db.AppendEvents(ctx, "o1", recs); err != nil || got != n {
		t.Fatalf("AppendEvents = %d, %v; want %d", got, err, n)
	}

	rows, err := db.SQL().QueryContext(ctx, `SELECT event_id, event_start, indv_id,
		user_id, session_id, mod_dead, target_text, evt_props, page_props, org_id
		FROM events ORDER BY event_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	i := 0
	for ; rows.Next(); i++ {
		var id, org string
		var start time.Time
		var indv, user, session, dead int64
		var text, props, page *string
		if err := rows.Scan(&id, &start, &indv, &user, &session, &dead, &text, &props, &page, &org); err != nil {
			t.Fatal(err)
		}
		want := recs[i].Values
		if id != want["EventId"] || !start.Equal(want["EventStart"].(time.Time)) ||
			indv != int64(i) || user != -int64(i) || session != 1<<62 || org != "o1" {
			t.Fatalf("row %d: %s %v %d %d %d %s", i, id, start, indv, user, session, org)
		}
		if wantDead := int64(1 - i%2); dead != wantDead {
			t.Fatalf("row %d: mod_dead = %d, want %d", i, dead, wantDead)
		}
		switch wt := texts[i%len(texts)]; {
		case wt == nil && text != nil:
			t.Fatalf("row %d: target_text = %q, want null", i, *text)
		case wt != nil && (text == nil || *text != wt):
			t.Fatalf("row %d: target_text = %v, want %q", i, text, wt)
		}
		if page != nil {
			t.Fatalf("row %d: page_props = %q, want null", i, *page)
		}
		if i%3 != 0 {
			if props != nil {
				t.Fatalf("row %d: evt_props = %q, want null", i, *props)
			}
			continue
		}
		const wantProps = `{"say \"hi\"_str":"a\nb","tags_strs":["x","y"]}`
		if props == nil || *props != wantProps {
			t.Fatalf("row %d: evt_props = %v, want %s", i, props, wantProps)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if i != n {
		t.Fatalf("read %d rows, want %d", i, n)
	}
}

// TestAppendEventsBadValueStoresNothing checks that a batch with one
// value of the wrong type fails whole, even when earlier chunks of it
// were handed to DuckDB already, and that the store takes the next batch.
func TestAppendEventsBadValueStoresNothing(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	recs := make([]event.Record, chunkRows+5)
	for i := range recs {
		recs[i] = rec(fmt.Sprintf("e%d", i), at, "ok")
	}
	recs[chunkRows+3].Values["PageDuration"] = "long"
	_, err := db.AppendEvents(ctx, "o1", recs)
	if err == nil || !strings.Contains(err.Error(), "PageDuration") {
		t.Fatalf("err = %v, want one naming PageDuration", err)
	}
	var stored int
	db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM events").Scan(&stored)
	if stored != 0 {
		t.Fatalf("%d rows stored after a failed batch, want 0", stored)
	}

	delete(recs[chunkRows+3].Values, "PageDuration")
	if n, err := db.AppendEvents(ctx, "o1", recs); err != nil || n != len(recs) {
		t.Fatalf("retry: %d, %v; want %d stored", n, err, len(recs))
	}
}
