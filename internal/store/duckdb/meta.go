package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
)

// CreateOrg inserts an org.
func (db *DB) CreateOrg(ctx context.Context, id event.OrgID, name string, now time.Time) error {
	_, err := db.sql.ExecContext(ctx, `INSERT INTO orgs VALUES (?, ?, ?)`,
		string(id), name, now.UTC())
	if err != nil {
		return fmt.Errorf("create org: %w", err)
	}
	return nil
}

// Orgs lists every org id, oldest first.
func (db *DB) Orgs(ctx context.Context) ([]event.OrgID, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id FROM orgs ORDER BY created`)
	if err != nil {
		return nil, fmt.Errorf("list orgs: %w", err)
	}
	defer rows.Close()
	var out []event.OrgID
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, event.OrgID(id))
	}
	return out, rows.Err()
}

// CreateKey stores a key (its hash only).
func (db *DB) CreateKey(ctx context.Context, k event.APIKey) error {
	_, err := db.sql.ExecContext(ctx, `INSERT INTO api_keys
		(id, org_id, role, name, hash, last_four, created, revoked)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, k.ID, string(k.OrgID), string(k.Role),
		k.Name, k.Hash, k.LastFour, k.Created.UTC(), k.Revoked)
	if err != nil {
		return fmt.Errorf("create key: %w", err)
	}
	return nil
}

const keyCols = `id, org_id, role, name, hash, last_four, created, revoked`

func scanKey(sc interface{ Scan(...any) error }) (event.APIKey, error) {
	var k event.APIKey
	var org, role string
	err := sc.Scan(&k.ID, &org, &role, &k.Name, &k.Hash, &k.LastFour,
		&k.Created, &k.Revoked)
	k.OrgID, k.Role, k.Created = event.OrgID(org), event.Role(role), k.Created.UTC()
	return k, err
}

// KeyByID reads a key by its public id; the caller compares hashes.
func (db *DB) KeyByID(ctx context.Context, id string) (event.APIKey, error) {
	k, err := scanKey(db.sql.QueryRowContext(ctx,
		`SELECT `+keyCols+` FROM api_keys WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return k, store.ErrNotFound
	}
	return k, err
}

// Keys lists an org's keys, newest first.
func (db *DB) Keys(ctx context.Context, org event.OrgID) ([]event.APIKey, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+keyCols+
		` FROM api_keys WHERE org_id = ? ORDER BY created DESC`, string(org))
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	defer rows.Close()
	var out []event.APIKey
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeKey marks a key revoked.
func (db *DB) RevokeKey(ctx context.Context, org event.OrgID, id string) error {
	res, err := db.sql.ExecContext(ctx, `UPDATE api_keys SET revoked = true
		WHERE org_id = ? AND id = ?`, string(org), id)
	if err != nil {
		return fmt.Errorf("revoke key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrNotFound
	}
	return nil
}
