package duckdb

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unsafe"

	bindings "github.com/duckdb/duckdb-go-bindings"
	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/duckdb/duckdb-go/v2/mapping"
)

// Exports read DuckDB's result vectors through its C API instead of the
// database/sql driver. The driver hands over one row at a time as boxed
// values, copying each string into its own allocation; at 60-odd columns
// that cost more than the query itself and bounded every export format.
// A chunkConn reads whole chunks of 2,048 rows and lets the caller take
// the values it needs straight from the vectors.

// chunkConn is a C API connection to the store's database. It shares the
// database instance (and so its data, snapshots and memory limit) with
// the driver's connections through DuckDB's instance cache.
type chunkConn struct {
	db   mapping.Database
	conn mapping.Connection
}

// openChunkConn connects to the database at path, which the driver has
// open already.
func openChunkConn(path string) (*chunkConn, error) {
	var config mapping.Config
	if mapping.CreateConfig(&config) == mapping.StateError {
		return nil, errors.New("duckdb: create config")
	}
	defer mapping.DestroyConfig(&config)
	// The driver opens the instance with this option; the cache hands the
	// same instance back only to an equal configuration.
	mapping.SetConfig(config, "duckdb_api", "go")
	c := &chunkConn{}
	var msg string
	if mapping.GetOrCreateFromCache(duckdb.GetInstanceCache(), path, &c.db, config, &msg) == mapping.StateError {
		mapping.Close(&c.db)
		return nil, fmt.Errorf("duckdb: open %q: %s", path, msg)
	}
	if mapping.Connect(c.db, &c.conn) == mapping.StateError {
		mapping.Close(&c.db)
		return nil, errors.New("duckdb: connect")
	}
	return c, nil
}

// chunkConn opens a C API connection to the store's database.
func (db *DB) chunkConn() (*chunkConn, error) { return openChunkConn(db.path) }

func (c *chunkConn) close() {
	mapping.Disconnect(&c.conn)
	mapping.Close(&c.db)
}

// run runs a statement without arguments and drops its result.
func (c *chunkConn) run(query string) error {
	var res mapping.Result
	defer mapping.DestroyResult(&res)
	if mapping.Query(c.conn, query, &res) == mapping.StateError {
		return fmt.Errorf("%s: %s", query, mapping.ResultError(&res))
	}
	return nil
}

// exec runs a statement and drops its result.
func (c *chunkConn) exec(ctx context.Context, query string, args ...any) error {
	return c.query(ctx, query, args, func(*chunk) error { return nil })
}

// query runs a statement with its arguments bound and hands fn each chunk
// of its result. A chunk is valid only during the call.
func (c *chunkConn) query(ctx context.Context, query string, args []any, fn func(*chunk) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var stmt mapping.PreparedStatement
	defer mapping.DestroyPrepare(&stmt)
	if mapping.Prepare(c.conn, query, &stmt) == mapping.StateError {
		return errors.New(mapping.PrepareError(stmt))
	}
	for i, a := range args {
		if err := bindArg(stmt, i+1, a); err != nil {
			return err
		}
	}

	// Interrupt the query if ctx ends while DuckDB works on it.
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		select {
		case <-ctx.Done():
			mapping.Interrupt(c.conn)
		case <-done:
		}
	}()
	defer func() { close(done); <-stopped }()

	var pending mapping.PendingResult
	defer mapping.DestroyPending(&pending)
	if bindings.PendingPreparedStreaming(stmt, &pending) == mapping.StateError {
		return errors.New(mapping.PendingError(pending))
	}
	var res mapping.Result
	defer mapping.DestroyResult(&res)
	if mapping.ExecutePending(pending, &res) == mapping.StateError {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return errors.New(mapping.ResultError(&res))
	}
	ch := chunk{cols: make([]vector, mapping.ColumnCount(&res))}
	for i := range ch.cols {
		ch.cols[i].typ = mapping.ColumnType(&res, mapping.IdxT(i))
	}
	for {
		dc := mapping.FetchChunk(res)
		if dc.Ptr == nil {
			// No chunk is the end of the rows, or a failure while
			// streaming them (running out of memory, say), which the
			// result then holds.
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if msg := mapping.ResultError(&res); msg != "" {
				return errors.New(msg)
			}
			return nil
		}
		ch.load(dc)
		err := fn(&ch)
		mapping.DestroyDataChunk(&dc)
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

func bindArg(stmt mapping.PreparedStatement, i int, a any) error {
	n := mapping.IdxT(i)
	var st mapping.State
	switch v := a.(type) {
	case nil:
		st = mapping.BindNull(stmt, n)
	case string:
		st = mapping.BindVarchar(stmt, n, v)
	case int64:
		st = mapping.BindInt64(stmt, n, v)
	case int:
		st = mapping.BindInt64(stmt, n, int64(v))
	case float64:
		st = mapping.BindDouble(stmt, n, v)
	case bool:
		st = mapping.BindBoolean(stmt, n, v)
	case time.Time:
		ts := mapping.NewTimestamp(v.UnixMicro())
		if mapping.ParamType(stmt, n) == mapping.TypeTimestampTZ {
			st = mapping.BindTimestampTZ(stmt, n, ts)
		} else {
			st = mapping.BindTimestamp(stmt, n, ts)
		}
	default:
		return fmt.Errorf("duckdb: cannot bind argument %d of type %T", i, a)
	}
	if st == mapping.StateError {
		return fmt.Errorf("duckdb: bind argument %d (%v)", i, a)
	}
	return nil
}

// chunk is one chunk of a result: its row count and its columns.
type chunk struct {
	rows int
	cols []vector
}

func (ch *chunk) load(dc mapping.DataChunk) {
	ch.rows = int(mapping.DataChunkGetSize(dc))
	for i := range ch.cols {
		v := mapping.DataChunkGetVector(dc, mapping.IdxT(i))
		ch.cols[i].data = mapping.VectorGetData(v)
		ch.cols[i].valid = mapping.VectorGetValidity(v)
	}
}

// vector is one column of a chunk: DuckDB's flat vector, its values laid
// out by type, and its validity bitmap (nil when every value is present).
type vector struct {
	typ   mapping.Type
	data  unsafe.Pointer
	valid unsafe.Pointer
}

func (v *vector) null(row int) bool {
	if v.valid == nil {
		return false
	}
	word := *(*uint64)(unsafe.Add(v.valid, row/64*8))
	return word&(1<<(row%64)) == 0
}

func (v *vector) int64(row int) int64 {
	return *(*int64)(unsafe.Add(v.data, row*8))
}

// str returns a VARCHAR value without copying it: the string points into
// the chunk, and is valid only while the chunk is. A duckdb_string_t is
// 16 bytes: a uint32 length, then the bytes themselves when they fit in
// 12, else a 4-byte prefix and a pointer to them.
func (v *vector) str(row int) string {
	p := unsafe.Add(v.data, row*16)
	n := int(*(*uint32)(p))
	if n <= 12 {
		return unsafe.String((*byte)(unsafe.Add(p, 4)), n)
	}
	return unsafe.String(*(**byte)(unsafe.Add(p, 8)), n)
}

// arena holds the bytes of many strings in a few large blocks, so that a
// window's strings cost a handful of allocations instead of one each.
// reset keeps the blocks for the next window's strings, so it may be
// called only once nothing reads the strings copied before it.
type arena struct {
	blocks [][]byte
	cur    int // the block being filled
}

const arenaBlock = 64 << 10

func (a *arena) copy(s string) string {
	if len(s) == 0 {
		return ""
	}
	if len(s) > arenaBlock/4 {
		return string([]byte(s))
	}
	if len(a.blocks) == 0 {
		a.blocks = append(a.blocks, make([]byte, 0, arenaBlock))
	}
	b := a.blocks[a.cur]
	if cap(b)-len(b) < len(s) {
		a.cur++
		if a.cur == len(a.blocks) {
			a.blocks = append(a.blocks, make([]byte, 0, arenaBlock))
		}
		b = a.blocks[a.cur]
	}
	at := len(b)
	b = append(b, s...)
	a.blocks[a.cur] = b
	return unsafe.String(&b[at], len(s))
}

// reset makes every block free for new strings.
func (a *arena) reset() {
	for i := range a.blocks {
		a.blocks[i] = a.blocks[i][:0]
	}
	a.cur = 0
}
