package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
)

// Job results are compressed with one shared encoder and decoder, which
// are safe for concurrent EncodeAll and DecodeAll.
var (
	resultsEncoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithEncoderConcurrency(1))
	resultsDecoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0))
)

// SaveBatchJob inserts or replaces a v2 batch job.
func (db *DB) SaveBatchJob(ctx context.Context, j event.BatchJob) error {
	packed := resultsEncoder.EncodeAll(j.Results, nil)
	_, err := db.sql.ExecContext(ctx, `INSERT OR REPLACE INTO batch_jobs
		(id, org_id, kind, status, created, finished, imports, errors, results, results_zst)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?)`, j.ID, string(j.OrgID), j.Kind,
		j.Status, j.Created.UTC(), nullTime(j.Finished), j.Imports, j.Errors, packed)
	if err != nil {
		return fmt.Errorf("save batch job: %w", err)
	}
	return nil
}

// BatchJob reads a batch job of an org.
func (db *DB) BatchJob(ctx context.Context, org event.OrgID, id string) (event.BatchJob, error) {
	var j event.BatchJob
	var fin sql.NullTime
	var res string
	var packed []byte
	err := db.sql.QueryRowContext(ctx, `SELECT id, kind, status, created,
		finished, imports, errors, results, results_zst FROM batch_jobs
		WHERE org_id = ? AND id = ?`, string(org), id).Scan(&j.ID, &j.Kind,
		&j.Status, &j.Created, &fin, &j.Imports, &j.Errors, &res, &packed)
	if errors.Is(err, sql.ErrNoRows) {
		return j, store.ErrNotFound
	}
	if err != nil {
		return j, fmt.Errorf("read batch job: %w", err)
	}
	j.Results = []byte(res)
	if packed != nil {
		if j.Results, err = resultsDecoder.DecodeAll(packed, nil); err != nil {
			return j, fmt.Errorf("read batch job %s: %w", id, err)
		}
	}
	j.OrgID, j.Finished = org, utc(fin)
	j.Created = j.Created.UTC()
	return j, nil
}

// Idempotent returns the answer stored for an idempotency key.
func (db *DB) Idempotent(ctx context.Context, org event.OrgID, key string, since time.Time) (store.IdemRecord, error) {
	var r store.IdemRecord
	err := db.sql.QueryRowContext(ctx, `SELECT body_hash, status, response
		FROM idempotency WHERE org_id = ? AND key = ? AND created >= ?`,
		string(org), key, since.UTC()).Scan(&r.BodyHash, &r.Status, &r.Response)
	if errors.Is(err, sql.ErrNoRows) {
		return r, store.ErrNotFound
	}
	return r, err
}

// SaveIdempotent stores the answer given for an idempotency key.
func (db *DB) SaveIdempotent(ctx context.Context, org event.OrgID, key string, r store.IdemRecord, now time.Time) error {
	_, err := db.sql.ExecContext(ctx, `INSERT OR REPLACE INTO idempotency
		VALUES (?, ?, ?, ?, ?, ?)`, string(org), key, r.BodyHash, r.Status,
		string(r.Response), now.UTC())
	if err != nil {
		return fmt.Errorf("save idempotency record: %w", err)
	}
	return nil
}
