// Package duckdb is the embedded store: events, people and metadata in
// one DuckDB database file inside the data folder. Only one process can
// open the file, so the server owns it and every other command goes
// through the server's API.
package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/backstory-dev/backstory/internal/event"
)

// checkpointThreshold is how large the write-ahead log grows before a
// commit folds it into the database file. DuckDB's default, 16 MB, is two
// or three v2 batches of 10,000 events, and each checkpoint compresses the
// table's last row group again; measured here, batches of 10,000 events
// appended 50k events/s with it and 80k/s without checkpoints. A larger
// log costs a longer replay after a crash (about a second per 100 MB).
const checkpointThreshold = "256MB"

// Options configures Open.
type Options struct {
	// Path is the database file; "" opens a temporary one, removed when
	// the store is closed.
	Path string
	// MemoryLimit caps DuckDB's memory, e.g. "512MB"; "" leaves the
	// engine's default (80% of RAM).
	MemoryLimit string
	// Threads caps DuckDB's worker threads; 0 leaves the default.
	Threads int
	Logger  *slog.Logger
}

// DB is an open embedded store. It implements store.Events and the
// metadata store.
type DB struct {
	sql  *sql.DB
	conn *duckdb.Connector
	path string // the database file, the instance's key in DuckDB's cache
	tmp  string // a temporary folder holding it, removed at Close
	log  *slog.Logger

	// writeMu serialises event appends: each goes through a staging table
	// and a deduplicating insert, and DuckDB allows one writer per table
	// without conflicts.
	writeMu sync.Mutex
	// seen holds each org's filter of stored event ids; under writeMu.
	seen map[event.OrgID]*seenFilter
	// knownKeys caches property keys already in prop_keys; under writeMu.
	knownKeys map[propKeyID]bool
	// appendConn is the C API connection events are appended on, opened
	// by the first append; under writeMu.
	appendConn *chunkConn
}

// Open opens (creating if needed) the database and applies the schema.
func Open(ctx context.Context, opt Options) (*DB, error) {
	var limit int64
	if opt.MemoryLimit != "" {
		var err error
		if limit, err = ParseMemoryLimit(opt.MemoryLimit); err != nil {
			return nil, err
		}
	}
	init := func(ex driver.ExecerContext) error {
		// Never reach out to download an extension: fail at once instead.
		stmts := []string{
			"SET autoinstall_known_extensions = false",
			"SET autoload_known_extensions = false",
			"SET checkpoint_threshold = '" + checkpointThreshold + "'",
		}
		if limit > 0 {
			stmts = append(stmts, fmt.Sprintf("SET memory_limit = '%dKiB'", max(limit>>10, 1)))
		}
		if opt.Threads > 0 {
			stmts = append(stmts, fmt.Sprintf("SET threads = %d", opt.Threads))
		}
		for _, s := range stmts {
			if _, err := ex.ExecContext(ctx, s, nil); err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		return nil
	}
	// Exports open C API connections to the same instance through
	// DuckDB's instance cache, which holds only databases with a path: a
	// store without one lives in a temporary folder removed at Close.
	path, tmp := opt.Path, ""
	if path == "" {
		var err error
		if tmp, err = os.MkdirTemp("", "backstory-db-"); err != nil {
			return nil, fmt.Errorf("temporary database: %w", err)
		}
		path = filepath.Join(tmp, "backstory.duckdb")
	}
	conn, err := duckdb.NewConnector(path, init)
	if err != nil {
		if tmp != "" {
			os.RemoveAll(tmp)
		}
		return nil, fmt.Errorf("open duckdb %q: %w", opt.Path, err)
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	db := &DB{sql: sql.OpenDB(conn), conn: conn, path: path, tmp: tmp, log: log}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func (db *DB) migrate(ctx context.Context) error {
	stmts := append(Schema(), metaSchema()...)
	stmts = append(stmts,
		// A staging table of earlier versions; appends go straight in now.
		"DROP TABLE IF EXISTS events_incoming",
	)
	for _, s := range stmts {
		if _, err := db.sql.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("migrate: %w\n%s", err, s)
		}
	}
	return nil
}

// SQL exposes the database for tests and the benchmark's direct queries.
func (db *DB) SQL() *sql.DB { return db.sql }

// Close closes the database.
func (db *DB) Close() error {
	db.writeMu.Lock()
	if db.appendConn != nil {
		db.appendConn.close()
		db.appendConn = nil
	}
	db.writeMu.Unlock()
	err := db.sql.Close()
	if cerr := db.conn.Close(); err == nil {
		err = cerr
	}
	if db.tmp != "" {
		os.RemoveAll(db.tmp)
	}
	return err
}

// Ping reports whether the database answers a query.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.sql.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}
