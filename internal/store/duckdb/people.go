package duckdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
)

const personCols = `indv_id, uid, display_name, email, created, updated, props`

func scanPerson(org event.OrgID, sc interface{ Scan(...any) error }) (event.Person, error) {
	var p event.Person
	var uid, name, email sql.NullString
	var props string
	var created sql.NullTime
	err := sc.Scan(&p.IndvID, &uid, &name, &email, &created, &p.Updated, &props)
	if err != nil {
		return p, err
	}
	p.OrgID = org
	p.UID = nullable(uid)
	p.DisplayName = nullable(name)
	p.Email = nullable(email)
	p.Created = utc(created)
	p.Updated = p.Updated.UTC()
	if err := json.Unmarshal([]byte(props), &p.Props); err != nil {
		return p, fmt.Errorf("person %d props: %w", p.IndvID, err)
	}
	return p, nil
}

func nullable(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	return &s.String
}

// Person reads one person; store.ErrNotFound when absent.
func (db *DB) Person(ctx context.Context, org event.OrgID, id event.IndvID) (event.Person, error) {
	row := db.sql.QueryRowContext(ctx, `SELECT `+personCols+
		` FROM people WHERE org_id = ? AND indv_id = ?`, string(org), int64(id))
	p, err := scanPerson(org, row)
	if errors.Is(err, sql.ErrNoRows) {
		return p, store.ErrNotFound
	}
	return p, err
}

// FindPeople lists people by uid and/or email (exact), newest first.
func (db *DB) FindPeople(ctx context.Context, org event.OrgID, f store.PeopleFilter) ([]event.Person, error) {
	q := `SELECT ` + personCols + ` FROM people WHERE org_id = ?`
	args := []any{string(org)}
	if f.UID != "" {
		q += " AND uid = ?"
		args = append(args, f.UID)
	}
	if f.Email != "" {
		q += " AND email = ?"
		args = append(args, f.Email)
	}
	if f.After != 0 {
		q += " AND indv_id < ?"
		args = append(args, int64(f.After))
	}
	q += " ORDER BY indv_id DESC LIMIT ?"
	args = append(args, f.Limit)
	rows, err := db.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("find people: %w", err)
	}
	defer rows.Close()
	var out []event.Person
	for rows.Next() {
		p, err := scanPerson(org, rows)
		if err != nil {
			return nil, fmt.Errorf("find people: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// SavePerson inserts or replaces a person whole.
func (db *DB) SavePerson(ctx context.Context, p event.Person) error {
	props, err := json.Marshal(mendProps(p.Props))
	if err != nil {
		return fmt.Errorf("save person: %w", err)
	}
	if p.Props == nil {
		props = []byte("{}")
	}
	_, err = db.sql.ExecContext(ctx, `INSERT OR REPLACE INTO people
		(org_id, `+personCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		string(p.OrgID), int64(p.IndvID), p.UID, p.DisplayName, p.Email,
		nullTime(p.Created), p.Updated.UTC(), string(props))
	if err != nil {
		return fmt.Errorf("save person: %w", err)
	}
	for k := range p.Props {
		_, err := db.sql.ExecContext(ctx, `INSERT OR IGNORE INTO prop_keys
			VALUES (?, 'user', ?)`, string(p.OrgID), k)
		if err != nil {
			return fmt.Errorf("save person: %w", err)
		}
	}
	return nil
}

// DeletePerson removes a person with their devices and events.
func (db *DB) DeletePerson(ctx context.Context, org event.OrgID, id event.IndvID) error {
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("delete person: %w", err)
	}
	defer tx.Rollback()
	for _, t := range []string{"events", "devices", "people"} {
		_, err := tx.ExecContext(ctx, "DELETE FROM "+t+
			" WHERE org_id = ? AND indv_id = ?", string(org), int64(id))
		if err != nil {
			return fmt.Errorf("delete person: %w", err)
		}
	}
	return tx.Commit()
}

// MergePeople moves every device and event of from onto into and removes
// from: what identifying an anonymous visitor as a known person does,
// retroactively.
func (db *DB) MergePeople(ctx context.Context, org event.OrgID, from, into event.IndvID) error {
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("merge people: %w", err)
	}
	defer tx.Rollback()
	for _, t := range []string{"events", "devices"} {
		_, err := tx.ExecContext(ctx, "UPDATE "+t+" SET indv_id = ?"+
			" WHERE org_id = ? AND indv_id = ?", int64(into), string(org), int64(from))
		if err != nil {
			return fmt.Errorf("merge people: %w", err)
		}
	}
	_, err = tx.ExecContext(ctx, "DELETE FROM people WHERE org_id = ? AND indv_id = ?",
		string(org), int64(from))
	if err != nil {
		return fmt.Errorf("merge people: %w", err)
	}
	return tx.Commit()
}

const deviceCols = `user_id, device_key, indv_id, session_id, session_start,
	page_id, page_start, page_url, last_event`

// Device reads a device by id or, when key is set, by its device key.
func (db *DB) Device(ctx context.Context, org event.OrgID, userID int64, key string) (store.Device, error) {
	q := `SELECT ` + deviceCols + ` FROM devices WHERE org_id = ? AND `
	arg := any(userID)
	if key != "" {
		q += "device_key = ?"
		arg = key
	} else {
		q += "user_id = ?"
	}
	d, err := scanDevice(org, db.sql.QueryRowContext(ctx, q, string(org), arg))
	if errors.Is(err, sql.ErrNoRows) {
		return d, store.ErrNotFound
	}
	return d, err
}

func utc(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// SaveDevice inserts or replaces a device and its session state.
func (db *DB) SaveDevice(ctx context.Context, d store.Device) error {
	var key any
	if d.Key != "" {
		key = d.Key
	}
	_, err := db.sql.ExecContext(ctx, `INSERT OR REPLACE INTO devices
		(org_id, `+deviceCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		string(d.OrgID), d.UserID, key, int64(d.IndvID), d.SessionID,
		nullTime(d.SessionStart), d.PageID, nullTime(d.PageStart), d.PageURL,
		nullTime(d.LastEvent))
	if err != nil {
		return fmt.Errorf("save device: %w", err)
	}
	return nil
}
