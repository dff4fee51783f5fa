package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
)

// SavePeople inserts or replaces many people at once: they are appended
// to a temporary table, then moved with one INSERT OR REPLACE, which is
// far cheaper than a statement per person.
func (db *DB) SavePeople(ctx context.Context, ps []event.Person) error {
	if len(ps) == 0 {
		return nil
	}
	keys := map[event.OrgID]map[string]bool{}
	rows := make([][]driver.Value, len(ps))
	for i, p := range ps {
		props, _ := json.Marshal(mendProps(p.Props))
		if p.Props == nil {
			props = []byte("{}")
		}
		rows[i] = []driver.Value{string(p.OrgID), int64(p.IndvID), strPtr(p.UID),
			strPtr(p.DisplayName), strPtr(p.Email), nullTime(p.Created),
			p.Updated.UTC(), string(props)}
		if keys[p.OrgID] == nil {
			keys[p.OrgID] = map[string]bool{}
		}
		for k := range p.Props {
			keys[p.OrgID][k] = true
		}
	}
	err := db.bulkReplace(ctx, "people", rows, func(ctx context.Context, tx *sql.Tx) error {
		for org, set := range keys {
			err := insertPropKeys(ctx, tx, org, map[event.PropScope]map[string]bool{event.ScopeUser: set})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save people: %w", err)
	}
	return nil
}

// SaveDevices inserts or replaces many devices at once.
func (db *DB) SaveDevices(ctx context.Context, ds []store.Device) error {
	if len(ds) == 0 {
		return nil
	}
	rows := make([][]driver.Value, len(ds))
	for i, d := range ds {
		var key any
		if d.Key != "" {
			key = d.Key
		}
		rows[i] = []driver.Value{string(d.OrgID), d.UserID, key, int64(d.IndvID),
			d.SessionID, nullTime(d.SessionStart), d.PageID, nullTime(d.PageStart),
			d.PageURL, nullTime(d.LastEvent)}
	}
	if err := db.bulkReplace(ctx, "devices", rows, nil); err != nil {
		return fmt.Errorf("save devices: %w", err)
	}
	return nil
}

func strPtr(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// bulkReplace appends rows (in the table's column order) to a temporary
// copy of table, then replaces them into table in one transaction, with
// more work in that transaction when also is set.
func (db *DB) bulkReplace(ctx context.Context, table string, rows [][]driver.Value, also func(context.Context, *sql.Tx) error) error {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	tmp := table + "_incoming"
	_, err = conn.ExecContext(ctx, "CREATE TEMP TABLE IF NOT EXISTS "+tmp+
		" AS SELECT * FROM "+table+" LIMIT 0")
	if err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "DELETE FROM "+tmp)
	err = conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppender(dc.(driver.Conn), "temp", "main", tmp)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := app.AppendRow(r...); err != nil {
				app.Clear()
				app.Close()
				return err
			}
		}
		return app.Close()
	})
	if err != nil {
		return err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "INSERT OR REPLACE INTO "+table+" SELECT * FROM "+tmp); err != nil {
		return err
	}
	if also != nil {
		if err := also(ctx, tx); err != nil {
			return err
		}
	}
	return tx.Commit()
}
