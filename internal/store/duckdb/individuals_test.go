package duckdb

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
)

// TestIndividualsMatchOracle exports the individuals of random events
// (few instants, so a person's last instant often holds several events,
// and some events without a person) and checks every aggregate against
// one worked out here.
func TestIndividualsMatchOracle(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	rng := rand.New(rand.NewPCG(7, 11))
	start := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)

	type person struct {
		first, last          time.Time
		lastID, url, browser string
		events               int64
		sessions, pages      map[int64]bool
		pageDur              map[int64]int64
	}
	want := map[string]*person{} // by IndvId printed, "<nil>" for none
	var recs []event.Record
	for i := range 400 {
		at := start.Add(time.Duration(rng.IntN(12)) * time.Minute)
		id := fmt.Sprintf("e%03d", rng.IntN(1000)*1000+i) // unique, not in time order
		r := rec(id, at, nil)
		indv := any(int64(rng.IntN(5) + 1))
		if rng.IntN(10) == 0 {
			indv = nil
			delete(r.Values, "IndvId")
		} else {
			r.Values["IndvId"] = indv
		}
		session, page := int64(rng.IntN(4)), int64(rng.IntN(8))
		dur := int64(rng.IntN(5000))
		url := fmt.Sprintf("https://shop.test/p/%d", rng.IntN(50))
		browser := []string{"Chrome", "Firefox", "Safari"}[rng.IntN(3)]
		r.Values["SessionId"], r.Values["PageId"] = session, page
		r.Values["PageActiveDuration"], r.Values["PageUrl"], r.Values["PageBrowser"] = dur, url, browser
		recs = append(recs, r)

		key := fmt.Sprint(indv)
		p := want[key]
		if p == nil {
			p = &person{first: at, last: at, lastID: id, url: url, browser: browser,
				sessions: map[int64]bool{}, pages: map[int64]bool{}, pageDur: map[int64]int64{}}
			want[key] = p
		}
		p.events++
		p.sessions[session], p.pages[page] = true, true
		p.pageDur[page] = max(p.pageDur[page], dur)
		if at.Before(p.first) {
			p.first = at
		}
		if at.After(p.last) || at.Equal(p.last) && id > p.lastID {
			p.last, p.lastID, p.url, p.browser = at, id, url, browser
		}
	}
	if _, err := db.AppendEvents(ctx, "o", recs); err != nil {
		t.Fatal(err)
	}

	var cols []store.OutputColumn
	for _, name := range []string{"IndvId", "FirstEventStart", "LastEventStart", "NumSessions",
		"NumPages", "NumEvents", "TotalActiveDuration", "LastPageUrl", "LastBrowser"} {
		c, ok := event.LookupIndividualColumn(name)
		if !ok {
			t.Fatalf("no individuals column %s", name)
		}
		cols = append(cols, store.OutputColumn{Name: name, Kind: c.Kind, Column: &c})
	}
	total := int64(-1)
	got := map[string]string{}
	err := db.ExportIndividuals(ctx, store.ExportQuery{Org: "o", Columns: cols,
		OnTotal: func(n int64) { total = n }}, func(row []any) error {
		got[fmt.Sprint(row[0])] = fmt.Sprint(row[1:]...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	n, err := db.CountExport(ctx, store.ExportQuery{Org: "o"}, true)
	if err != nil || total != int64(len(want)) || n != total || len(got) != len(want) {
		t.Fatalf("%d rows, counted %d before and %d on its own (%v); want %d",
			len(got), total, n, err, len(want))
	}
	for key, p := range want {
		var dur int64
		for _, d := range p.pageDur {
			dur += d
		}
		w := fmt.Sprint(p.first, p.last, int64(len(p.sessions)), int64(len(p.pages)),
			p.events, dur, p.url, p.browser)
		if got[key] != w {
			t.Errorf("person %s: got %s, want %s", key, got[key], w)
		}
	}
}
