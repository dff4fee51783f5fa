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

const opCols = `id, org_id, type, state, pct, error, request, created, finished,
	export_id, expires, rows, bytes, sha256, file_name, content_type, attempts,
	lease_until`

func scanOp(sc interface{ Scan(...any) error }) (event.Operation, error) {
	var o event.Operation
	var org, state, req string
	var fin, exp, lease sql.NullTime
	err := sc.Scan(&o.ID, &org, &o.Type, &state, &o.Pct, &o.Error, &req,
		&o.Created, &fin, &o.ExportID, &exp, &o.Rows, &o.Bytes, &o.SHA256,
		&o.FileName, &o.ContentType, &o.Attempts, &lease)
	o.OrgID, o.State, o.Request = event.OrgID(org), event.OpState(state), []byte(req)
	o.Created = o.Created.UTC()
	o.Finished, o.Expires, o.LeaseUntil = utc(fin), utc(exp), utc(lease)
	return o, err
}

// CreateOperation inserts a new operation.
func (db *DB) CreateOperation(ctx context.Context, o event.Operation) error {
	_, err := db.sql.ExecContext(ctx, `INSERT INTO operations (`+opCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.ID, string(o.OrgID), o.Type, string(o.State), o.Pct, o.Error,
		string(o.Request), o.Created.UTC(), nullTime(o.Finished), o.ExportID,
		nullTime(o.Expires), o.Rows, o.Bytes, o.SHA256, o.FileName,
		o.ContentType, o.Attempts, nullTime(o.LeaseUntil))
	if err != nil {
		return fmt.Errorf("create operation: %w", err)
	}
	return nil
}

// UpdateOperation writes every mutable field of o. It only updates a row
// whose state is still PENDING unless force is set, so a cancel is never
// overwritten by a finishing worker; it reports whether a row changed.
func (db *DB) UpdateOperation(ctx context.Context, o event.Operation, onlyPending bool) (bool, error) {
	q := `UPDATE operations SET state = ?, pct = ?, error = ?, finished = ?,
		export_id = ?, expires = ?, rows = ?, bytes = ?, sha256 = ?,
		file_name = ?, content_type = ?, attempts = ?, lease_until = ?
		WHERE org_id = ? AND id = ?`
	if onlyPending {
		q += ` AND state = 'PENDING'`
	}
	res, err := db.sql.ExecContext(ctx, q, string(o.State), o.Pct, o.Error,
		nullTime(o.Finished), o.ExportID, nullTime(o.Expires), o.Rows, o.Bytes,
		o.SHA256, o.FileName, o.ContentType, o.Attempts, nullTime(o.LeaseUntil),
		string(o.OrgID), o.ID)
	if err != nil {
		return false, fmt.Errorf("update operation: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// Operation reads one operation of an org.
func (db *DB) Operation(ctx context.Context, org event.OrgID, id string) (event.Operation, error) {
	o, err := scanOp(db.sql.QueryRowContext(ctx, `SELECT `+opCols+
		` FROM operations WHERE org_id = ? AND id = ?`, string(org), id))
	if errors.Is(err, sql.ErrNoRows) {
		return o, store.ErrNotFound
	}
	if err != nil {
		return o, fmt.Errorf("read operation: %w", err)
	}
	return o, nil
}

// OperationByExport reads the operation that produced an export.
func (db *DB) OperationByExport(ctx context.Context, org event.OrgID, exportID string) (event.Operation, error) {
	o, err := scanOp(db.sql.QueryRowContext(ctx, `SELECT `+opCols+
		` FROM operations WHERE org_id = ? AND export_id = ?`, string(org), exportID))
	if errors.Is(err, sql.ErrNoRows) {
		return o, store.ErrNotFound
	}
	if err != nil {
		return o, fmt.Errorf("read operation: %w", err)
	}
	return o, nil
}

// Operations lists an org's operations, newest first, in pages.
func (db *DB) Operations(ctx context.Context, org event.OrgID, f store.OpFilter) ([]event.Operation, error) {
	q := `SELECT ` + opCols + ` FROM operations WHERE org_id = ?`
	args := []any{string(org)}
	if f.State != "" {
		q += " AND state = ?"
		args = append(args, string(f.State))
	}
	if f.Type != "" {
		q += " AND type = ?"
		args = append(args, f.Type)
	}
	if f.Before != nil {
		q += " AND (created, id) < (?, ?)"
		args = append(args, f.Before.Created.UTC(), f.Before.ID)
	}
	q += " ORDER BY created DESC, id DESC LIMIT ?"
	args = append(args, f.Limit)
	return db.queryOps(ctx, q, args...)
}

func (db *DB) queryOps(ctx context.Context, q string, args ...any) ([]event.Operation, error) {
	rows, err := db.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list operations: %w", err)
	}
	defer rows.Close()
	var out []event.Operation
	for rows.Next() {
		o, err := scanOp(rows)
		if err != nil {
			return nil, fmt.Errorf("list operations: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// ClaimOperation leases the oldest pending export whose lease has lapsed,
// for until; it returns store.ErrNotFound when there is none. On the
// embedded store one process runs the worker, so a plain transaction is
// enough; the PostgreSQL store uses SELECT ... FOR UPDATE SKIP LOCKED.
func (db *DB) ClaimOperation(ctx context.Context, now, until time.Time) (event.Operation, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return event.Operation{}, fmt.Errorf("claim operation: %w", err)
	}
	defer tx.Rollback()
	o, err := scanOp(tx.QueryRowContext(ctx, `SELECT `+opCols+` FROM operations
		WHERE state = 'PENDING' AND (lease_until IS NULL OR lease_until < ?)
		ORDER BY created, id LIMIT 1`, now.UTC()))
	if errors.Is(err, sql.ErrNoRows) {
		return o, store.ErrNotFound
	}
	if err != nil {
		return o, fmt.Errorf("claim operation: %w", err)
	}
	o.Attempts++
	o.LeaseUntil = until
	_, err = tx.ExecContext(ctx, `UPDATE operations SET attempts = ?,
		lease_until = ? WHERE id = ?`, o.Attempts, until.UTC(), o.ID)
	if err != nil {
		return o, fmt.Errorf("claim operation: %w", err)
	}
	return o, tx.Commit()
}

// ExpiredExports lists completed exports whose files are past expiry.
func (db *DB) ExpiredExports(ctx context.Context, now time.Time) ([]event.Operation, error) {
	return db.queryOps(ctx, `SELECT `+opCols+` FROM operations
		WHERE state = 'COMPLETED' AND expires IS NOT NULL AND expires <= ?`,
		now.UTC())
}
