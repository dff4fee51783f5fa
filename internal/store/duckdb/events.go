package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/backstory-dev/backstory/internal/event"
)

// dedupSlack widens the time window searched for an earlier copy of an
// event: a retried send may be skew-corrected to a slightly different
// instant than the first.
const dedupSlack = 24 * time.Hour

// AppendEvents stores recs, keeping the first copy of each EventId. Rows
// are appended to a staging table, then moved with one deduplicating
// INSERT, so a batch is stored whole or not at all.
func (db *DB) AppendEvents(ctx context.Context, org event.OrgID, recs []event.Record) (int, error) {
	if len(recs) == 0 {
		return 0, nil
	}
	db.writeMu.Lock()
	defer db.writeMu.Unlock()

	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("append events: %w", err)
	}
	defer conn.Close()

	cols := event.StoredEventColumns()
	var minT, maxT time.Time
	keys := map[event.PropScope]map[string]bool{}
	err = conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", "events_incoming")
		if err != nil {
			return err
		}
		row := make([]driver.Value, len(cols)+3)
		for i, r := range recs {
			t, ok := r.Values["EventStart"].(time.Time)
			if !ok {
				app.Close()
				return fmt.Errorf("record %d has no EventStart", i)
			}
			if minT.IsZero() || t.Before(minT) {
				minT = t
			}
			if t.After(maxT) {
				maxT = t
			}
			row[0] = string(org)
			for j, c := range cols {
				row[j+1] = r.Values[c.Name]
			}
			row[len(cols)+1] = propsText(r.EventProps)
			row[len(cols)+2] = propsText(r.PageProps)
			if err := app.AppendRow(row...); err != nil {
				app.Close()
				return fmt.Errorf("record %d: %w", i, err)
			}
			notePropKeys(keys, event.ScopeEvent, r.EventProps)
			notePropKeys(keys, event.ScopePage, r.PageProps)
		}
		return app.Close()
	})
	if err != nil {
		conn.ExecContext(context.WithoutCancel(ctx), "DELETE FROM events_incoming")
		return 0, fmt.Errorf("append events: %w", err)
	}

	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("append events: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `
INSERT INTO events
SELECT * EXCLUDE (rn) FROM (
  SELECT *, row_number() OVER (
    PARTITION BY event_id ORDER BY received_at NULLS LAST) AS rn
  FROM events_incoming) s
WHERE rn = 1 AND NOT EXISTS (
  SELECT 1 FROM events e
  WHERE e.org_id = s.org_id AND e.event_id = s.event_id
    AND e.event_start >= ? AND e.event_start <= ?)`,
		minT.Add(-dedupSlack), maxT.Add(dedupSlack))
	if err != nil {
		return 0, fmt.Errorf("append events: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM events_incoming"); err != nil {
		return 0, fmt.Errorf("append events: %w", err)
	}
	if err := savePropKeys(ctx, tx, org, keys); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("append events: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// propsText encodes props as the JSON text stored in the props columns,
// or nil when there are none.
func propsText(p event.Props) any {
	if len(p) == 0 {
		return nil
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil
	}
	return string(b)
}

func notePropKeys(keys map[event.PropScope]map[string]bool, s event.PropScope, p event.Props) {
	if len(p) == 0 {
		return
	}
	if keys[s] == nil {
		keys[s] = map[string]bool{}
	}
	for k := range p {
		keys[s][k] = true
	}
}

// savePropKeys records the property keys of a batch, for wildcards and
// pickers.
func savePropKeys(ctx context.Context, tx *sql.Tx, org event.OrgID, keys map[event.PropScope]map[string]bool) error {
	for scope, set := range keys {
		names := make([]string, 0, len(set))
		for k := range set {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO prop_keys
				VALUES (?, ?, ?)`, string(org), string(scope), k)
			if err != nil {
				return fmt.Errorf("save property keys: %w", err)
			}
		}
	}
	return nil
}
