package encode

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/gzip"
	"github.com/parquet-go/parquet-go/compress/uncompressed"
	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/backstory-dev/backstory/internal/event"
)

const (
	// rowGroupRows bounds a row group, and with it the writer's memory:
	// parquet-go holds a whole row group's encoded pages before writing
	// them out.
	rowGroupRows = 64 << 10

	// batchRows is how many rows are buffered, column by column, before
	// each column's values are handed to its parquet-go column writer in
	// one call. It divides rowGroupRows, so row groups are exactly that
	// long.
	batchRows = 256

	// dictionaryMaxBytes is where a string column's dictionary gives up
	// and the rest of the row group falls back to plain encoding. Every
	// column may hold one, so with an export's 60-odd columns this and
	// pageBufferBytes bound most of the writer's memory.
	dictionaryMaxBytes = 256 << 10

	// pageBufferBytes is the in-memory page each column fills before
	// the page is encoded and compressed.
	pageBufferBytes = 64 << 10
)

// parquetWriter writes a Parquet file with one optional, typed column per
// field, in field order: INT64 for ints and flags, DOUBLE for floats,
// BOOLEAN for bools, STRING (UTF8) for strings and raw JSON, and
// TIMESTAMP(MICROS, UTC) for times, truncated to the microsecond. A file
// with no rows still carries the typed schema.
//
// Rows are taken apart as they arrive: each value goes into its column's
// batch, and a full batch is written column by column through
// parquet-go's column writers, which skips parquet-go's own
// row-to-column pass. Row groups are cut here, every rowGroupRows rows.
type parquetWriter struct {
	w      *parquet.Writer
	fields []Field
	loc    *time.Location
	err    error

	cols  []parquetColumn
	bytes []byte // backs the text values of the batch
	n     int    // rows buffered
	group int    // rows written to the current row group
}

// parquetColumn is one column's batch and what it takes to fill it,
// together so that a row touches little memory per column.
type parquetColumn struct {
	vals    []parquet.Value // batchRows long; the first n are the batch
	present parquet.Value   // a present value of the column, levels set
	null    parquet.Value   // the column's null, levels set
	kind    event.Kind
	index   int
}

func newParquetWriter(w io.Writer, fields []Field, opt Options) (*parquetWriter, error) {
	schema, err := parquetSchema(fields)
	if err != nil {
		return nil, err
	}
	codec, err := parquetCodec(opt.Compression)
	if err != nil {
		return nil, err
	}

	config, err := parquet.NewWriterConfig(schema,
		parquet.Compression(codec),
		parquet.MaxRowsPerRowGroup(rowGroupRows),
		parquet.DictionaryMaxBytes(dictionaryMaxBytes),
		parquet.PageBufferSize(pageBufferBytes))
	if err != nil {
		return nil, fmt.Errorf("encode: parquet config: %w", err)
	}

	p := &parquetWriter{
		w:      parquet.NewWriter(w, config),
		fields: fields,
		loc:    opt.Location,
		cols:   make([]parquetColumn, len(fields)),
	}
	values := make([]parquet.Value, batchRows*len(fields))
	for i, f := range fields {
		p.cols[i] = parquetColumn{
			vals:    values[i*batchRows : (i+1)*batchRows : (i+1)*batchRows],
			present: presentValue(f.Kind).Level(0, 1, i),
			null:    parquet.Value{}.Level(0, 0, i),
			kind:    f.Kind,
			index:   i,
		}
	}
	return p, nil
}

// presentValue is a zero value of the physical type of a column of kind k.
func presentValue(k event.Kind) parquet.Value {
	switch k {
	case event.KindFloat:
		return parquet.DoubleValue(0)
	case event.KindBool:
		return parquet.BooleanValue(false)
	case event.KindString, event.KindJSON:
		return parquet.ByteArrayValue(nil)
	}
	return parquet.Int64Value(0)
}

// parquetCodec maps an export compression to a page codec.
//
// gzip.Codec's zero Level is gzip.NoCompression, not the default: pages
// came out as stored deflate blocks, as large as uncompressed ones. The
// level is BestSpeed: on export rows it makes pages about five times
// smaller for a tenth more encoding time, where level 6 gains another
// 10% of size for 60% more time. (zstd's zero level is its default.)
func parquetCodec(c Compression) (compress.Codec, error) {
	switch c {
	case "", CompressionZstd:
		return &zstd.Codec{}, nil
	case CompressionGzip:
		return &gzip.Codec{Level: gzip.BestSpeed}, nil
	case CompressionNone:
		return &uncompressed.Codec{}, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownCompression, c)
}

// Write converts one row into the column batches and writes the batch
// when it is full.
func (p *parquetWriter) Write(row []any) error {
	if p.err != nil {
		return p.err
	}
	if len(row) != len(p.cols) {
		return errRowLength(len(row), len(p.cols))
	}

	mark := len(p.bytes)
	n := p.n
	cols := p.cols[:len(row)]
	for i, v := range row {
		c := &cols[i]
		out := &c.vals[n]
		if c.fast(out, v, &p.bytes) {
			continue
		}
		val, err := p.value(c, v)
		if err != nil {
			p.bytes = p.bytes[:mark]
			return fmt.Errorf("encode: column %q: %w", p.fields[i].Name, err)
		}
		*out = val
	}

	p.n++
	if p.n == batchRows {
		return p.flushBatch()
	}
	return nil
}

// Close writes the buffered rows and the footer.
func (p *parquetWriter) Close() error {
	if err := p.flushBatch(); err != nil {
		return err
	}
	if err := p.w.Close(); err != nil {
		p.err = fmt.Errorf("encode: parquet close: %w", err)
		return p.err
	}
	p.err = ErrClosed
	for i := range p.cols {
		clear(p.cols[i].vals) // the strings they point to may go
	}
	return nil
}

// flushBatch hands each column's buffered values to its column writer,
// and ends the row group when it is full.
func (p *parquetWriter) flushBatch() error {
	if p.err != nil || p.n == 0 {
		return p.err
	}
	for i, cw := range p.w.ColumnWriters() {
		if _, err := cw.WriteRowValues(p.cols[i].vals[:p.n]); err != nil {
			p.err = fmt.Errorf("encode: parquet write: %w", err)
			return p.err
		}
	}
	p.group += p.n
	if p.group >= rowGroupRows {
		if err := p.w.Flush(); err != nil {
			p.err = fmt.Errorf("encode: parquet write: %w", err)
			return p.err
		}
		p.group = 0
	}

	// parquet-go has copied the values; the text they point to may go.
	p.n, p.bytes = 0, p.bytes[:0]
	return nil
}

// fast stores v in *out, the column's slot in the batch, when v has the
// column's own Go type, the common case, and reports whether it did. A
// string is copied to text, the batch's bytes, first: the caller's may
// change once Write returns (see store.RowFunc).
func (c *parquetColumn) fast(out *parquet.Value, v any, text *[]byte) bool {
	switch v := v.(type) {
	case nil:
		*out = c.null
		return true
	case int64:
		if c.kind == event.KindInt || c.kind == event.KindFlag {
			c.word(out, uint64(v))
			return true
		}
	case string:
		if (c.kind == event.KindString || c.kind == event.KindJSON) &&
			validUTF8(v) {
			at := len(*text)
			*text = append(*text, v...)
			c.text(out, unsafe.SliceData((*text)[at:]), len(v))
			return true
		}
	case time.Time:
		if c.kind == event.KindTime {
			c.word(out, uint64(v.UnixMicro()))
			return true
		}
	case float64:
		if c.kind == event.KindFloat && finite(v) {
			c.word(out, math.Float64bits(v))
			return true
		}
	case bool:
		if c.kind == event.KindBool {
			var u uint64
			if v {
				u = 1
			}
			c.word(out, u)
			return true
		}
	}
	return false
}

// word stores a present fixed-size value, its bits u, in *out.
func (c *parquetColumn) word(out *parquet.Value, u uint64) {
	if !valueLayoutOK {
		*out = c.slowPresent(u, nil)
		return
	}
	*out = c.present
	setWord(out, u)
}

// text stores a present byte array value, the n bytes at b, in *out.
func (c *parquetColumn) text(out *parquet.Value, b *byte, n int) {
	if !valueLayoutOK {
		*out = c.slowPresent(uint64(n), b)
		return
	}
	*out = c.present
	setBytes(out, b, n)
}

// slowPresent builds what word and text build, through parquet-go's
// constructors.
func (c *parquetColumn) slowPresent(u uint64, b *byte) parquet.Value {
	var v parquet.Value
	switch c.present.Kind() {
	case parquet.Int64:
		v = parquet.Int64Value(int64(u))
	case parquet.Double:
		v = parquet.DoubleValue(math.Float64frombits(u))
	case parquet.Boolean:
		v = parquet.BooleanValue(u != 0)
	default:
		v = parquet.ByteArrayValue(unsafe.Slice(b, int(u)))
	}
	return v.Level(0, 1, c.index)
}

// value converts v, of a Go type other than the column's own, for
// column c.
func (p *parquetWriter) value(c *parquetColumn, v any) (parquet.Value, error) {
	var val parquet.Value
	var ok bool
	var err error

	switch c.kind {
	case event.KindInt, event.KindFlag:
		val, ok, err = int64Value(v)
	case event.KindFloat:
		val, ok, err = doubleValue(v)
	case event.KindTime:
		val, ok, err = timeValue(v)
	case event.KindBool:
		val, ok, err = boolValue(v)
	default:
		val, ok, err = p.stringValue(v)
	}

	if err != nil {
		return parquet.Value{}, err
	}
	if !ok {
		return c.null, nil
	}
	return val.Level(0, 1, c.index), nil
}

func int64Value(v any) (parquet.Value, bool, error) {
	switch v := v.(type) {
	case nil:
		return parquet.Value{}, false, nil
	case int64:
		return parquet.Int64Value(v), true, nil
	case int:
		return parquet.Int64Value(int64(v)), true, nil
	case bool:
		if v {
			return parquet.Int64Value(1), true, nil
		}
		return parquet.Int64Value(0), true, nil
	case float64:
		if !finite(v) {
			return parquet.Value{}, false, nil
		}
		if v != math.Trunc(v) || math.Abs(v) >= 1<<63 {
			return parquet.Value{}, false, errNotInt
		}
		return parquet.Int64Value(int64(v)), true, nil
	case []byte:
		return rawInt64(v)
	case json.RawMessage:
		return rawInt64(v)
	}
	return parquet.Value{}, false, errType(v, "INT64")
}

func boolValue(v any) (parquet.Value, bool, error) {
	switch v := v.(type) {
	case nil:
		return parquet.Value{}, false, nil
	case bool:
		return parquet.BooleanValue(v), true, nil
	case []byte:
		return rawBool(v)
	case json.RawMessage:
		return rawBool(v)
	case string:
		return rawBool([]byte(v))
	}
	return parquet.Value{}, false, errType(v, "BOOLEAN")
}

func rawBool(raw []byte) (parquet.Value, bool, error) {
	raw, kind := trimRaw(raw)
	switch {
	case kind == rawNull:
		return parquet.Value{}, false, nil
	case string(raw) == "true", string(raw) == `"true"`:
		return parquet.BooleanValue(true), true, nil
	case string(raw) == "false", string(raw) == `"false"`:
		return parquet.BooleanValue(false), true, nil
	}
	return parquet.Value{}, false, errType(string(raw), "BOOLEAN")
}

func rawInt64(raw []byte) (parquet.Value, bool, error) {
	raw, kind := trimRaw(raw)
	switch {
	case kind == rawNull:
		return parquet.Value{}, false, nil
	case string(raw) == "true":
		return int64Value(true)
	case string(raw) == "false":
		return int64Value(false)
	}
	if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
		return parquet.Int64Value(n), true, nil
	}
	if f, err := strconv.ParseFloat(string(raw), 64); err == nil {
		return int64Value(f)
	}
	return parquet.Value{}, false, errNotInt
}

func doubleValue(v any) (parquet.Value, bool, error) {
	switch v := v.(type) {
	case nil:
		return parquet.Value{}, false, nil
	case float64:
		return parquet.DoubleValue(v), finite(v), nil
	case int64:
		return parquet.DoubleValue(float64(v)), true, nil
	case int:
		return parquet.DoubleValue(float64(v)), true, nil
	case []byte:
		return rawDouble(v)
	case json.RawMessage:
		return rawDouble(v)
	}
	return parquet.Value{}, false, errType(v, "DOUBLE")
}

func rawDouble(raw []byte) (parquet.Value, bool, error) {
	raw, kind := trimRaw(raw)
	if kind == rawNull {
		return parquet.Value{}, false, nil
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return parquet.Value{}, false, errNotNumber
	}
	return parquet.DoubleValue(f), finite(f), nil
}

func timeValue(v any) (parquet.Value, bool, error) {
	switch v := v.(type) {
	case nil:
		return parquet.Value{}, false, nil
	case time.Time:
		// UnixMicro floors: the nanoseconds within a second are never
		// negative, so truncation is toward the past.
		return parquet.Int64Value(v.UnixMicro()), true, nil
	}
	return parquet.Value{}, false, errType(v, "TIMESTAMP")
}

// stringValue converts v to its text form, the same as its CSV cell
// without formula escaping, copied into p.bytes. Invalid UTF-8 becomes
// U+FFFD, since readers reject it in a STRING column.
func (p *parquetWriter) stringValue(v any) (parquet.Value, bool, error) {
	start := len(p.bytes)
	b, _, ok, err := appendText(p.bytes, v, p.loc)
	if err != nil || !ok {
		return parquet.Value{}, false, err
	}

	if !utf8.Valid(b[start:]) {
		fixed := toValidUTF8(b[start:])
		b = append(b[:start], fixed...)
	}
	p.bytes = b
	return parquet.ByteArrayValue(b[start:len(b):len(b)]), true, nil
}

// validUTF8 is utf8.ValidString, quicker for the common ASCII text: it
// ORs the bytes together a word at a time (the last word overlapping the
// one before) and only runs the full check when a byte has its high bit
// set. Text columns are checked on every value, and for the short
// strings most of them hold, utf8.ValidString's byte-wise tail took as
// long as the rest of a string value's handling.
func validUTF8(s string) bool {
	b := unsafe.Slice(unsafe.StringData(s), len(s))
	var acc uint64
	switch {
	case len(b) >= 8:
		for i := 0; i+8 <= len(b); i += 8 {
			acc |= binary.LittleEndian.Uint64(b[i:])
		}
		acc |= binary.LittleEndian.Uint64(b[len(b)-8:])
	case len(b) >= 4:
		acc = uint64(binary.LittleEndian.Uint32(b) |
			binary.LittleEndian.Uint32(b[len(b)-4:]))
	default:
		for _, c := range b {
			acc |= uint64(c)
		}
	}
	return acc&0x8080808080808080 == 0 || utf8.ValidString(s)
}

// toValidUTF8 replaces each invalid byte sequence with U+FFFD.
func toValidUTF8(b []byte) []byte {
	out := make([]byte, 0, len(b)+8)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
		} else {
			out = append(out, b[:size]...)
		}
		b = b[size:]
	}
	return out
}

var (
	errNotInt    = errors.New("value is not an integer")
	errNotNumber = errors.New("value is not a number")
)

func errType(v any, column string) error {
	return fmt.Errorf("cannot write %T to a %s column", v, column)
}
