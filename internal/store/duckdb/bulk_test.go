package duckdb

import (
	"context"
	"testing"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
)

func TestBulkSaveReplaces(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	uid, name := "u-1", "Ana"
	ps := []event.Person{
		{OrgID: "o", IndvID: 1, UID: &uid, Updated: now, Props: event.Props{"plan_str": []byte(`"pro"`)}},
		{OrgID: "o", IndvID: 2, Updated: now},
	}
	if err := db.SavePeople(ctx, ps); err != nil {
		t.Fatal(err)
	}
	ps[0].DisplayName = &name
	if err := db.SavePeople(ctx, ps[:1]); err != nil {
		t.Fatal(err)
	}
	p, err := db.Person(ctx, "o", 1)
	if err != nil || p.DisplayName == nil || *p.DisplayName != "Ana" || string(p.Props["plan_str"]) != `"pro"` {
		t.Fatalf("person 1 = %+v, %v; want the replaced row", p, err)
	}
	if p, err := db.Person(ctx, "o", 2); err != nil || p.UID != nil || !p.Created.IsZero() {
		t.Fatalf("person 2 = %+v, %v", p, err)
	}
	keys, _ := db.PropKeys(ctx, "o", event.ScopeUser)
	if len(keys) != 1 || keys[0].String() != "plan_str" {
		t.Errorf("user property keys = %v", keys)
	}

	ds := []store.Device{{OrgID: "o", UserID: 7, Key: "k", IndvID: 1, SessionID: 3, LastEvent: now}}
	if err := db.SaveDevices(ctx, ds); err != nil {
		t.Fatal(err)
	}
	ds[0].IndvID = 2
	db.SaveDevices(ctx, ds)
	got, err := db.DevicesByKey(ctx, "o", []string{"k"})
	if err != nil || got["k"].IndvID != 2 || got["k"].SessionID != 3 {
		t.Fatalf("device = %+v, %v; want it moved to person 2", got["k"], err)
	}
}
