package encode

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/gzip"
	"github.com/parquet-go/parquet-go/compress/uncompressed"
	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/backstory-dev/backstory/internal/event"
)

const (
	// rowGroupRows bounds a row group, and with it the writer's memory:
	// parquet-go holds a whole row group before writing it out.
	rowGroupRows = 64 << 10

	// batchRows is how many rows are handed to parquet-go at once.
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
// STRING (UTF8) for strings and raw JSON, and TIMESTAMP(MICROS, UTC) for
// times, truncated to the microsecond. A file with no rows still carries
// the typed schema.
type parquetWriter struct {
	w      *parquet.Writer
	fields []Field
	kinds  []event.Kind    // of fields, for the per-value fast path
	nulls  []parquet.Value // a null per column, levels set
	loc    *time.Location
	err    error

	rows   []parquet.Row
	values []parquet.Value // backs rows
	bytes  []byte          // backs the string values of rows
	n      int             // rows buffered
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
		rows:   make([]parquet.Row, batchRows),
		values: make([]parquet.Value, batchRows*len(fields)),
	}
	for i := range p.rows {
		p.rows[i] = p.values[i*len(fields) : (i+1)*len(fields)]
	}
	for i, f := range fields {
		p.kinds = append(p.kinds, f.Kind)
		p.nulls = append(p.nulls, parquet.Value{}.Level(0, 0, i))
	}
	return p, nil
}

// parquetCodec maps an export compression to a page codec.
func parquetCodec(c Compression) (compress.Codec, error) {
	switch c {
	case "", CompressionZstd:
		return &zstd.Codec{}, nil
	case CompressionGzip:
		return &gzip.Codec{}, nil
	case CompressionNone:
		return &uncompressed.Codec{}, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownCompression, c)
}

// Write converts one row and hands a full batch to parquet-go.
func (p *parquetWriter) Write(row []any) error {
	if p.err != nil {
		return p.err
	}
	if len(row) != len(p.fields) {
		return errRowLength(len(row), len(p.fields))
	}

	mark := len(p.bytes)
	out := p.rows[p.n]
	for i, v := range row {
		if p.fast(out, i, v) {
			continue
		}
		val, err := p.value(i, v)
		if err != nil {
			p.bytes = p.bytes[:mark]
			return fmt.Errorf("encode: column %q: %w", p.fields[i].Name, err)
		}
		out[i] = val
	}

	p.n++
	if p.n == len(p.rows) {
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
	return nil
}

func (p *parquetWriter) flushBatch() error {
	if p.err != nil || p.n == 0 {
		return p.err
	}
	if _, err := p.w.WriteRows(p.rows[:p.n]); err != nil {
		p.err = fmt.Errorf("encode: parquet write: %w", err)
	}

	// parquet-go has copied the values; drop the references to bytes.
	clear(p.values[:p.n*len(p.fields)])
	p.n, p.bytes = 0, p.bytes[:0]
	return p.err
}

// fast stores v in out[i] when v has the column's own Go type, the
// common case, and reports whether it did.
func (p *parquetWriter) fast(out parquet.Row, i int, v any) bool {
	kind := p.kinds[i]
	switch v := v.(type) {
	case nil:
		out[i] = p.nulls[i]
		return true
	case int64:
		if kind == event.KindInt || kind == event.KindFlag {
			out[i] = parquet.Int64Value(v).Level(0, 1, i)
			return true
		}
	case float64:
		if kind == event.KindFloat && finite(v) {
			out[i] = parquet.DoubleValue(v).Level(0, 1, i)
			return true
		}
	case bool:
		if kind == event.KindBool {
			out[i] = parquet.BooleanValue(v).Level(0, 1, i)
			return true
		}
	case time.Time:
		if kind == event.KindTime {
			out[i] = parquet.Int64Value(v.UnixMicro()).Level(0, 1, i)
			return true
		}
	case string:
		if (kind == event.KindString || kind == event.KindJSON) &&
			utf8.ValidString(v) {
			start := len(p.bytes)
			p.bytes = append(p.bytes, v...)
			b := p.bytes[start:len(p.bytes):len(p.bytes)]
			out[i] = parquet.ByteArrayValue(b).Level(0, 1, i)
			return true
		}
	}
	return false
}

// value converts v for column i.
func (p *parquetWriter) value(i int, v any) (parquet.Value, error) {
	var val parquet.Value
	var ok bool
	var err error

	switch p.fields[i].Kind {
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
		return p.nulls[i], nil
	}
	return val.Level(0, 1, i), nil
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
