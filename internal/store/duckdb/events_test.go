package duckdb

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
)

// openTest opens an in-memory store that is closed when the test ends.
func openTest(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func rec(id string, at time.Time, text any) event.Record {
	return event.Record{
		Values: map[string]any{
			"EventId": id, "EventStart": at, "IndvId": int64(1),
			"UserId": int64(1), "SessionId": int64(1), "PageId": int64(1),
			"EventType": "click", "EventTargetText": text,
			"EventReceivedAt": at.Add(200 * time.Millisecond),
		},
		EventProps: event.Props{"qty_real": json.RawMessage("2.5")},
	}
}

func TestAppendEventsDeduplicates(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)

	n, err := db.AppendEvents(ctx, "o1", []event.Record{
		rec("e1", at, "Checkout"), rec("e1", at, "Checkout (retry)"),
		rec("e2", at, nil),
	})
	if err != nil || n != 2 {
		t.Fatalf("first append: n=%d err=%v, want 2 new", n, err)
	}
	n, err = db.AppendEvents(ctx, "o1", []event.Record{rec("e1", at, "v2")})
	if err != nil || n != 0 {
		t.Fatalf("second append: n=%d err=%v, want 0 new", n, err)
	}
	// The same id in another org is another event.
	if n, _ := db.AppendEvents(ctx, "o2", []event.Record{rec("e1", at, "x")}); n != 1 {
		t.Fatalf("other org: n=%d, want 1", n)
	}

	text, _ := event.LookupEventColumn("EventTargetText")
	id, _ := event.LookupEventColumn("EventId")
	qty := event.PropColumn{Scope: event.ScopeEvent, Key: event.PropKey{Name: "qty", Type: event.TypeReal}}
	q := store.ExportQuery{Org: "o1", Columns: []store.OutputColumn{
		{Name: "EventId", Kind: id.Kind, Column: &id},
		{Name: "EventTargetText", Kind: text.Kind, Column: &text},
		{Name: qty.Name(), Kind: event.KindFloat, Prop: &qty},
	}}
	var got [][]any
	err = db.ExportEvents(ctx, q, func(row []any) error {
		got = append(got, append([]any(nil), row...))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0][0] != "e1" || got[0][1] != "Checkout" ||
		got[1][1] != nil || got[0][2] != 2.5 {
		t.Fatalf("export rows = %v, want e1 Checkout 2.5, e2 <nil>", got)
	}
}
