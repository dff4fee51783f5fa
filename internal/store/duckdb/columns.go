package duckdb

import (
	"fmt"
	"time"
	"unsafe"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/duckdb/duckdb-go/v2/mapping"
)

// columns holds a window's values column by column, each in a slice of
// its own type. Held as boxed values instead, a window of 66 columns took
// three to four times the memory (an interface and a box per value), and
// its many small objects kept the collector busy; here a value is boxed
// only as its row is handed on.
type columns struct {
	cols []column
	rows int
}

// column is one column of values. What a value is depends on out: ints
// holds integers and booleans (0 or 1); flts doubles; strs text; raws
// raw JSON (in the arena); tms instants, UTC. Each is held as the type it
// is handed on as, so that it is boxed where it is (see boxAt).
type column struct {
	kind  event.Kind
	out   outType // set from the first chunk's vector type
	null  []bool
	ints  []int64
	flts  []float64
	strs  []string
	raws  [][]byte
	tms   []time.Time
	ready bool
}

type outType uint8

const (
	outString outType = iota
	outJSON           // text handed on as raw JSON bytes
	outInt
	outFloat
	outBool
	outTime
)

// reset empties the columns for values of the given kinds, keeping their
// memory. Values are handed on pointing into their column (see value), so
// a window's columns are reset only once its rows have been written out.
func (cs *columns) reset(kinds []event.Kind) {
	if len(cs.cols) != len(kinds) {
		cs.cols = make([]column, len(kinds))
	}
	for i := range cs.cols {
		c := &cs.cols[i]
		*c = column{kind: kinds[i], null: c.null[:0], ints: c.ints[:0],
			flts: c.flts[:0], strs: c.strs[:0], raws: c.raws[:0], tms: c.tms[:0]}
	}
	cs.rows = 0
}

// appendChunk appends the rows of ch, reading column i from vector
// first+i. Strings are copied into a.
func (cs *columns) appendChunk(ch *chunk, first int, a *arena) error {
	for i := range cs.cols {
		if err := cs.cols[i].appendVector(&ch.cols[first+i], ch.rows, a); err != nil {
			return err
		}
	}
	cs.rows += ch.rows
	return nil
}

func (c *column) appendVector(v *vector, n int, a *arena) error {
	if !c.ready {
		if err := c.choose(v.typ); err != nil {
			return err
		}
	}
	for r := range n {
		null := v.null(r)
		switch c.out {
		case outString:
			s := ""
			if !null {
				s = a.copy(v.str(r))
			}
			c.strs = append(c.strs, s)
		case outJSON:
			// The encoders only read raw JSON, so the bytes can be the
			// arena's own.
			var b []byte
			if !null {
				s := a.copy(v.str(r))
				b = unsafe.Slice(unsafe.StringData(s), len(s))
			}
			c.raws = append(c.raws, b)
		case outTime:
			var t time.Time
			if !null {
				var us int64
				if us, null = c.integer(v, r); !null {
					t = time.UnixMicro(us).UTC()
				}
			}
			c.tms = append(c.tms, t)
		case outFloat:
			f := 0.0
			if !null {
				f = *(*float64)(unsafe.Add(v.data, r*8))
			}
			c.flts = append(c.flts, f)
		default:
			var x int64
			if !null {
				x, null = c.integer(v, r)
			}
			c.ints = append(c.ints, x)
		}
		c.null = append(c.null, null)
	}
	return nil
}

// choose settles how the column's values are read from vectors of type t.
func (c *column) choose(t mapping.Type) error {
	c.ready = true
	switch t {
	case mapping.TypeVarchar:
		c.out = outString
		switch c.kind {
		case event.KindTime:
			c.out = outTime // a date property, stored as RFC 3339 text
		case event.KindJSON:
			c.out = outJSON
		}
	case mapping.TypeBigInt, mapping.TypeInteger:
		c.out = outInt
	case mapping.TypeDouble:
		c.out = outFloat
	case mapping.TypeBoolean:
		c.out = outBool
	case mapping.TypeTimestamp, mapping.TypeTimestampTZ:
		c.out = outTime
	default:
		return fmt.Errorf("reading a column of DuckDB type %d is not supported", t)
	}
	return nil
}

// integer reads a value kept in ints, and whether it is missing after
// all (a date property that does not parse).
func (c *column) integer(v *vector, r int) (int64, bool) {
	switch v.typ {
	case mapping.TypeBigInt, mapping.TypeTimestamp, mapping.TypeTimestampTZ:
		return v.int64(r), false
	case mapping.TypeInteger:
		return int64(*(*int32)(unsafe.Add(v.data, r*4))), false
	case mapping.TypeBoolean:
		if *(*bool)(unsafe.Add(v.data, r)) {
			return 1, false
		}
		return 0, false
	case mapping.TypeVarchar:
		t, err := time.Parse(time.RFC3339Nano, v.str(r))
		if err != nil {
			return 0, true
		}
		return t.UnixMicro(), false
	}
	return 0, true
}

// value is row r's value as the export's encoders take it: int64,
// float64, string, time.Time (UTC), bool, []byte of raw JSON, or nil.
func (c *column) value(r int) any {
	if c.null[r] {
		return nil
	}
	switch c.out {
	case outString:
		return boxAt(&c.strs[r], stringType)
	case outJSON:
		return boxAt(&c.raws[r], bytesType)
	case outInt:
		return boxAt(&c.ints[r], int64Type)
	case outFloat:
		return boxAt(&c.flts[r], float64Type)
	case outBool:
		return c.ints[r] == 1
	}
	return boxAt(&c.tms[r], timeType)
}

// An interface value is two words: its type and a pointer to its value.
// Converting a string, number, slice or time to an interface copies the
// value to the heap first (ints under 256 excepted); a 10M-row export
// made a few hundred million such copies, a fifth of its time in
// allocation and collection. boxAt builds the interface around the value
// where it already is, in a column that is not changed until the row has
// been written out (see reset).
type eface struct{ typ, data unsafe.Pointer }

var (
	stringType  = typeOf("")
	int64Type   = typeOf(int64(0))
	float64Type = typeOf(float64(0))
	bytesType   = typeOf([]byte(nil))
	timeType    = typeOf(time.Time{})
)

func typeOf(v any) unsafe.Pointer { return (*eface)(unsafe.Pointer(&v)).typ }

// boxAt is any(*p) sharing *p, for a T whose type word is typ.
func boxAt[T string | int64 | float64 | []byte | time.Time](p *T, typ unsafe.Pointer) (v any) {
	e := (*eface)(unsafe.Pointer(&v))
	e.typ, e.data = typ, unsafe.Pointer(p)
	return v
}
