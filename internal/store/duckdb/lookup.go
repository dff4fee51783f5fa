package duckdb

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
)

// The lookups below pass their keys as one list parameter, unnested into
// a semi-join: one query however many keys, no statement text that grows
// with them.

// PeopleByUID reads the people with these uids, by uid.
func (db *DB) PeopleByUID(ctx context.Context, org event.OrgID, uids []string) (map[string]event.Person, error) {
	out := map[string]event.Person{}
	if len(uids) == 0 {
		return out, nil
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT `+personCols+` FROM people
		WHERE org_id = ? AND uid IN (SELECT unnest(?::VARCHAR[]))`, string(org), uids)
	if err != nil {
		return nil, fmt.Errorf("read people by uid: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPerson(org, rows)
		if err != nil {
			return nil, fmt.Errorf("read people by uid: %w", err)
		}
		out[*p.UID] = p
	}
	return out, rows.Err()
}

// PeopleExist reports which of the ids are stored people.
func (db *DB) PeopleExist(ctx context.Context, org event.OrgID, ids []event.IndvID) (map[event.IndvID]bool, error) {
	keys := make([]int64, len(ids))
	for i, id := range ids {
		keys[i] = int64(id)
	}
	out := map[event.IndvID]bool{}
	if len(keys) == 0 {
		return out, nil
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT indv_id FROM people
		WHERE org_id = ? AND indv_id IN (SELECT unnest(?::BIGINT[]))`, string(org), keys)
	if err != nil {
		return nil, fmt.Errorf("check people: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[event.IndvID(id)] = true
	}
	return out, rows.Err()
}

// DevicesByKey reads the devices with these keys, by key.
func (db *DB) DevicesByKey(ctx context.Context, org event.OrgID, keys []string) (map[string]store.Device, error) {
	out := map[string]store.Device{}
	if len(keys) == 0 {
		return out, nil
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT `+deviceCols+` FROM devices
		WHERE org_id = ? AND device_key IN (SELECT unnest(?::VARCHAR[]))`, string(org), keys)
	if err != nil {
		return nil, fmt.Errorf("read devices: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		d, err := scanDevice(org, rows)
		if err != nil {
			return nil, err
		}
		out[d.Key] = d
	}
	return out, rows.Err()
}

func scanDevice(org event.OrgID, sc interface{ Scan(...any) error }) (store.Device, error) {
	var d store.Device
	var dk, url sql.NullString
	var sid, pid sql.NullInt64
	var ss, ps, last sql.NullTime
	err := sc.Scan(&d.UserID, &dk, &d.IndvID, &sid, &ss, &pid, &ps, &url, &last)
	if err != nil {
		return d, fmt.Errorf("read device: %w", err)
	}
	d.OrgID, d.Key, d.PageURL = org, dk.String, url.String
	d.SessionID, d.PageID = sid.Int64, pid.Int64
	d.SessionStart, d.PageStart, d.LastEvent = utc(ss), utc(ps), utc(last)
	return d, nil
}
