package duckdb

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
)

// SavePeople inserts or replaces many people in one transaction, for
// bulk loads.
func (db *DB) SavePeople(ctx context.Context, ps []event.Person) error {
	if len(ps) == 0 {
		return nil
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save people: %w", err)
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO people
		(org_id, `+personCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("save people: %w", err)
	}
	defer st.Close()
	keys := map[event.OrgID]map[string]bool{}
	for _, p := range ps {
		props, _ := json.Marshal(p.Props)
		if p.Props == nil {
			props = []byte("{}")
		}
		_, err := st.ExecContext(ctx, string(p.OrgID), int64(p.IndvID), p.UID,
			p.DisplayName, p.Email, nullTime(p.Created), p.Updated.UTC(), string(props))
		if err != nil {
			return fmt.Errorf("save people: %w", err)
		}
		if keys[p.OrgID] == nil {
			keys[p.OrgID] = map[string]bool{}
		}
		for k := range p.Props {
			keys[p.OrgID][k] = true
		}
	}
	for org, set := range keys {
		err := insertPropKeys(ctx, tx, org, map[event.PropScope]map[string]bool{event.ScopeUser: set})
		if err != nil {
			return err
		}
	}
	return tx.Commit()
}

// SaveDevices inserts or replaces many devices in one transaction.
func (db *DB) SaveDevices(ctx context.Context, ds []store.Device) error {
	if len(ds) == 0 {
		return nil
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save devices: %w", err)
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO devices
		(org_id, `+deviceCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("save devices: %w", err)
	}
	defer st.Close()
	for _, d := range ds {
		var key any
		if d.Key != "" {
			key = d.Key
		}
		_, err := st.ExecContext(ctx, string(d.OrgID), d.UserID, key,
			int64(d.IndvID), d.SessionID, nullTime(d.SessionStart), d.PageID,
			nullTime(d.PageStart), d.PageURL, nullTime(d.LastEvent))
		if err != nil {
			return fmt.Errorf("save devices: %w", err)
		}
	}
	return tx.Commit()
}
