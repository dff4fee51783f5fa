package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
)

const segmentCols = `id, name, creator, definition, starred, created, updated`

func scanSegment(org event.OrgID, sc interface{ Scan(...any) error }) (event.Segment, error) {
	var s event.Segment
	var def string
	err := sc.Scan(&s.ID, &s.Name, &s.Creator, &def, &s.Starred, &s.Created, &s.Updated)
	s.OrgID, s.Definition = org, []byte(def)
	s.Created, s.Updated = s.Created.UTC(), s.Updated.UTC()
	return s, err
}

// Segment reads a saved segment.
func (db *DB) Segment(ctx context.Context, org event.OrgID, id string) (event.Segment, error) {
	s, err := scanSegment(org, db.sql.QueryRowContext(ctx, `SELECT `+segmentCols+
		` FROM segments WHERE org_id = ? AND id = ?`, string(org), id))
	if errors.Is(err, sql.ErrNoRows) {
		return s, store.ErrNotFound
	}
	if err != nil {
		return s, fmt.Errorf("read segment: %w", err)
	}
	return s, nil
}

// Segments lists saved segments: starred first, then by name.
func (db *DB) Segments(ctx context.Context, org event.OrgID) ([]event.Segment, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+segmentCols+` FROM segments
		WHERE org_id = ? ORDER BY starred DESC, lower(name), id`, string(org))
	if err != nil {
		return nil, fmt.Errorf("list segments: %w", err)
	}
	defer rows.Close()
	var out []event.Segment
	for rows.Next() {
		s, err := scanSegment(org, rows)
		if err != nil {
			return nil, fmt.Errorf("list segments: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// SaveSegment inserts or replaces a segment.
func (db *DB) SaveSegment(ctx context.Context, s event.Segment) error {
	_, err := db.sql.ExecContext(ctx, `INSERT OR REPLACE INTO segments
		(org_id, `+segmentCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		string(s.OrgID), s.ID, s.Name, s.Creator, string(s.Definition),
		s.Starred, s.Created.UTC(), s.Updated.UTC())
	if err != nil {
		return fmt.Errorf("save segment: %w", err)
	}
	return nil
}

// DeleteSegment removes a segment.
func (db *DB) DeleteSegment(ctx context.Context, org event.OrgID, id string) error {
	res, err := db.sql.ExecContext(ctx, `DELETE FROM segments
		WHERE org_id = ? AND id = ?`, string(org), id)
	if err != nil {
		return fmt.Errorf("delete segment: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrNotFound
	}
	return nil
}
