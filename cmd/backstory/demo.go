package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/backstory-dev/backstory/internal/demo"
	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
	"github.com/backstory-dev/backstory/internal/store/duckdb"
)

// demoSeed fixes the demo data set.
const demoSeed = 20261203

// demoBatch is how many demo events go into the store at a time.
const demoBatch = 50_000

// loadDemo fills an empty org with the demo fruit shop: people over the
// last 30 days and two saved segments. An org that has events is left
// alone, so restarting with --demo changes nothing.
func loadDemo(ctx context.Context, db *duckdb.DB, org event.OrgID, log *slog.Logger) error {
	n, err := db.CountExport(ctx, store.ExportQuery{Org: org}, false)
	if err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	start := time.Now()
	// The data ends at the current hour, so "last 30 days" covers it.
	now := time.Now().UTC().Truncate(time.Hour).Add(time.Hour)
	events := 0
	var people []event.Person
	var pending []event.Record
	var devices []store.Device
	err = demo.Generate(demo.Options{Seed: demoSeed, Now: now, Org: org},
		func(p event.Person, devs []demo.DeviceOf) error {
			people = append(people, p)
			for _, d := range devs {
				devices = append(devices, store.Device{OrgID: org,
					UserID: d.UserID, Key: d.DeviceKey, IndvID: p.IndvID})
			}
			return nil
		},
		func(recs []event.Record) error {
			// Larger appends amortise the store's per-append cost.
			pending = append(pending, recs...)
			if len(pending) < demoBatch {
				return nil
			}
			k, err := db.AppendEvents(ctx, org, pending)
			events, pending = events+k, pending[:0]
			return err
		})
	if err == nil {
		var k int
		k, err = db.AppendEvents(ctx, org, pending)
		events += k
	}
	if err == nil {
		err = db.SavePeople(ctx, people)
	}
	if err == nil {
		err = db.SaveDevices(ctx, devices)
	}
	if err != nil {
		return fmt.Errorf("load demo data: %w", err)
	}
	for i, s := range demo.Segments() {
		err := db.SaveSegment(ctx, event.Segment{ID: fmt.Sprintf("demo-%d", i+1),
			OrgID: org, Name: s.Name, Creator: "demo", Definition: s.Definition,
			Created: now, Updated: now})
		if err != nil {
			return err
		}
	}
	log.Info("demo data loaded", "events", events, "took_ms", time.Since(start).Milliseconds())
	return nil
}
