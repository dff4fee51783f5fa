package duckdb

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/duckdb/duckdb-go/v2/mapping"

	"github.com/backstory-dev/backstory/internal/event"
)

// Events are appended through DuckDB's C API, a chunk of 2,048 rows at a
// time, with every value written straight into the chunk's vectors. The
// driver's appender took a row of boxed values and made a cgo call per
// value (63 a row); here only strings longer than DuckDB's 12 inline
// bytes cost a call, and nulls, the most common value of a wide event
// row, cost nothing: a chunk starts all null and each value written
// marks itself valid.

// chunkRows is DuckDB's vector size, the rows a data chunk holds.
const chunkRows = 2048

// eventAppender appends event rows to the events table.
type eventAppender struct {
	app   mapping.Appender
	chunk mapping.DataChunk
	cols  []appendColumn
	rows  int // rows in the current chunk
}

// appendColumn is one column of the chunk being filled.
type appendColumn struct {
	kind  event.Kind
	vec   mapping.Vector
	data  unsafe.Pointer
	valid unsafe.Pointer // chunkRows/64 words, a set bit a present value
}

// eventTableKinds lists the kinds of the events table's columns in
// order: org_id, the stored event columns, then the two props columns.
func eventTableKinds() []event.Kind {
	cols := event.StoredEventColumns()
	kinds := make([]event.Kind, 0, len(cols)+3)
	kinds = append(kinds, event.KindString)
	for _, c := range cols {
		kinds = append(kinds, c.Kind)
	}
	return append(kinds, event.KindString, event.KindString)
}

// newEventAppender opens an appender on the events table over conn. Its
// rows reach the table when close is called.
func newEventAppender(conn mapping.Connection) (*eventAppender, error) {
	a := &eventAppender{}
	if mapping.AppenderCreate(conn, "", "events", &a.app) == mapping.StateError {
		err := errors.New(mapping.AppenderError(a.app))
		mapping.AppenderDestroy(&a.app)
		return nil, fmt.Errorf("open events appender: %w", err)
	}
	kinds := eventTableKinds()
	if n := int(mapping.AppenderColumnCount(a.app)); n != len(kinds) {
		mapping.AppenderDestroy(&a.app)
		return nil, fmt.Errorf("open events appender: the table has %d columns, want %d", n, len(kinds))
	}
	types := make([]mapping.LogicalType, len(kinds))
	for i, k := range kinds {
		types[i] = mapping.CreateLogicalType(storedType(k))
	}
	a.chunk = mapping.CreateDataChunk(types)
	for i := range types {
		mapping.DestroyLogicalType(&types[i])
	}
	a.cols = make([]appendColumn, len(kinds))
	for i, k := range kinds {
		a.cols[i].kind = k
	}
	a.startChunk()
	return a, nil
}

// startChunk points the columns at the (reset) chunk's vectors and marks
// every value null.
func (a *eventAppender) startChunk() {
	for i := range a.cols {
		c := &a.cols[i]
		c.vec = mapping.DataChunkGetVector(a.chunk, mapping.IdxT(i))
		mapping.VectorEnsureValidityWritable(c.vec)
		c.data = mapping.VectorGetData(c.vec)
		c.valid = mapping.VectorGetValidity(c.vec)
		clear(unsafe.Slice((*uint64)(c.valid), chunkRows/64))
	}
	a.rows = 0
}

// flushChunk hands the filled rows of the chunk to the appender.
func (a *eventAppender) flushChunk() error {
	if a.rows == 0 {
		return nil
	}
	mapping.DataChunkSetSize(a.chunk, mapping.IdxT(a.rows))
	if mapping.AppendDataChunk(a.app, a.chunk) == mapping.StateError {
		return errors.New(mapping.AppenderError(a.app))
	}
	mapping.DataChunkReset(a.chunk)
	a.startChunk()
	return nil
}

// endRow finishes the row being written, moving to the next chunk when
// this one is full.
func (a *eventAppender) endRow() error {
	a.rows++
	if a.rows == chunkRows {
		return a.flushChunk()
	}
	return nil
}

// close appends what is left and flushes the appender; rows appended
// before an error are dropped with it.
func (a *eventAppender) close() error {
	err := a.flushChunk()
	if err == nil && mapping.AppenderClose(a.app) == mapping.StateError {
		err = errors.New(mapping.AppenderError(a.app))
	}
	mapping.AppenderDestroy(&a.app)
	mapping.DestroyDataChunk(&a.chunk)
	return err
}

// abandon drops every row not yet flushed and releases the appender.
func (a *eventAppender) abandon() {
	mapping.AppenderClear(a.app)
	mapping.AppenderDestroy(&a.app)
	mapping.DestroyDataChunk(&a.chunk)
}

// set writes v, of the column's kind, into column i of the current row.
// nil leaves the value null.
func (a *eventAppender) set(i int, v any) error {
	if v == nil {
		return nil
	}
	c := &a.cols[i]
	r := a.rows
	switch c.kind {
	case event.KindInt, event.KindFlag:
		n, ok := toInt64(v)
		if !ok {
			return fmt.Errorf("want an integer, got %T", v)
		}
		*(*int64)(unsafe.Add(c.data, r*8)) = n
	case event.KindFloat:
		f, ok := toFloat64(v)
		if !ok {
			return fmt.Errorf("want a number, got %T", v)
		}
		*(*float64)(unsafe.Add(c.data, r*8)) = f
	case event.KindTime:
		t, ok := v.(time.Time)
		if !ok {
			return fmt.Errorf("want a time, got %T", v)
		}
		*(*int64)(unsafe.Add(c.data, r*8)) = t.UnixMicro()
	default:
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("want a string, got %T", v)
		}
		a.setString(c, r, s)
	}
	w := (*uint64)(unsafe.Add(c.valid, r/64*8))
	*w |= 1 << (r % 64)
	return nil
}

// setString writes s as a duckdb_string_t: 16 bytes holding a uint32
// length and then, up to 12 bytes, the string itself. Longer strings
// are copied into the vector's own string heap by DuckDB. Bytes that
// are not UTF-8 become U+FFFD first: DuckDB refuses such a VARCHAR (a
// short one fails the whole append, a long one leaves its slot unset).
func (a *eventAppender) setString(c *appendColumn, r int, s string) {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) > 12 {
		mapping.VectorAssignStringElement(c.vec, mapping.IdxT(r), s)
		return
	}
	p := (*[16]byte)(unsafe.Add(c.data, r*16))
	*p = [16]byte{}
	*(*uint32)(unsafe.Pointer(p)) = uint32(len(s))
	copy(p[4:], s)
}

func toInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case bool:
		if n {
			return 1, true
		}
		return 0, true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<63 {
			return int64(n), true
		}
	}
	return 0, false
}

func toFloat64(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	}
	return 0, false
}
