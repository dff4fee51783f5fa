package duckdb

import (
	"context"
	"testing"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
)

func TestRecentEventsAndTopValues(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	recs := []event.Record{rec("e1", at, "Buy"), rec("e2", at.Add(time.Second), "Buy"),
		rec("e3", at.Add(2*time.Second), "50% off_now")}
	recs[2].Values["EventType"] = "custom"
	if _, err := db.AppendEvents(ctx, "o1", recs); err != nil {
		t.Fatal(err)
	}
	db.AppendEvents(ctx, "o2", []event.Record{rec("x1", at, "Other org")})

	got, err := db.RecentEvents(ctx, "o1", RecentFilter{})
	if err != nil || len(got) != 3 || got[0].Values["EventId"] != "e3" {
		t.Fatalf("recent = %v, %v; want e3, e2, e1", got, err)
	}
	if got[0].EventProps["qty_real"] == nil {
		t.Errorf("recent event props = %v, want qty_real", got[0].EventProps)
	}
	after := got[1].Values["EventReceivedAt"].(time.Time)
	for _, tc := range []struct {
		name string
		f    RecentFilter
		want int
	}{
		{"after the second", RecentFilter{After: after}, 2},
		{"custom only", RecentFilter{Type: "custom"}, 1},
		{"by IndvId", RecentFilter{Person: "1"}, 3},
		{"by unknown person", RecentFilter{Person: "nobody"}, 0},
		{"limit", RecentFilter{Limit: 1}, 1},
	} {
		got, err := db.RecentEvents(ctx, "o1", tc.f)
		if err != nil || len(got) != tc.want {
			t.Errorf("%s: %d events, %v; want %d", tc.name, len(got), err, tc.want)
		}
	}

	top, err := db.TopValues(ctx, "o1", ValuesQuery{Column: "EventTargetText"})
	if err != nil || len(top) != 2 || top[0] != (ValueCount{"Buy", 2}) {
		t.Errorf("top values = %v, %v; want Buy 2 first", top, err)
	}
	// LIKE wildcards in the text are taken literally.
	top, err = db.TopValues(ctx, "o1", ValuesQuery{Column: "EventTargetText", Contains: "% OFF_"})
	if err != nil || len(top) != 1 {
		t.Errorf("values containing %% OFF_ = %v, %v; want the one", top, err)
	}
	if top, _ := db.TopValues(ctx, "o1", ValuesQuery{Column: "EventTargetText", Contains: "_"}); len(top) != 1 {
		t.Errorf("values containing _ = %v; want only the one with an underscore", top)
	}
	for _, col := range []string{"IndvId", "UserEmail", "EventStart", "page_url; DROP TABLE events"} {
		if _, err := db.TopValues(ctx, "o1", ValuesQuery{Column: col}); err == nil {
			t.Errorf("top values of %q: no error, want one", col)
		}
	}
}
