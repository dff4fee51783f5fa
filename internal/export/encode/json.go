package encode

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
)

// jsonWriter writes rows as JSON objects whose keys are the field names
// in order and whose missing values are left out. As NDJSON each object
// ends in LF, and no rows make an empty file. As JSON the objects form
// one array, one object per line: "[{...},\n{...}]", or "[]".
type jsonWriter struct {
	out    sink
	fields []Field
	keys   [][]byte // `"name":` per field, escaped once
	loc    *time.Location
	lines  bool // NDJSON
	rows   int64
}

func newJSONWriter(w io.Writer, fields []Field, opt Options, lines bool) *jsonWriter {
	keys := make([][]byte, len(fields))
	for i, f := range fields {
		keys[i] = append(event.AppendJSONString(nil, f.Name), ':')
	}
	return &jsonWriter{out: newSink(w), fields: fields, keys: keys,
		loc: opt.Location, lines: lines}
}

// Write appends one object.
func (j *jsonWriter) Write(row []any) error {
	if j.out.err != nil {
		return j.out.err
	}
	if len(row) != len(j.fields) {
		return errRowLength(len(row), len(j.fields))
	}

	mark := len(j.out.buf)
	switch {
	case j.lines:
	case j.rows == 0:
		j.out.buf = append(j.out.buf, '[')
	default:
		j.out.buf = append(j.out.buf, ",\n"...)
	}

	j.out.buf = append(j.out.buf, '{')
	first := true
	for i, v := range row {
		v = asKind(j.fields[i].Kind, v)
		buf, wrote, err := j.appendMember(j.out.buf, i, v, first)
		if err != nil {
			j.out.buf = j.out.buf[:mark]
			return fmt.Errorf("encode: column %q: %w", j.fields[i].Name, err)
		}
		j.out.buf = buf
		first = first && !wrote
	}
	j.out.buf = append(j.out.buf, '}')
	if j.lines {
		j.out.buf = append(j.out.buf, '\n')
	}

	j.rows++
	return j.out.maybeFlush()
}

// Close ends the array and flushes.
func (j *jsonWriter) Close() error {
	if j.out.err != nil {
		return j.out.err
	}
	switch {
	case j.lines:
	case j.rows == 0:
		j.out.buf = append(j.out.buf, "[]"...)
	default:
		j.out.buf = append(j.out.buf, ']')
	}
	return j.out.close()
}

// appendMember appends `,"key":value` for field i, or nothing when v is
// missing, and reports whether it wrote.
func (j *jsonWriter) appendMember(b []byte, i int, v any, first bool) ([]byte, bool, error) {
	var raw []byte
	switch x := v.(type) {
	case nil:
		return b, false, nil
	case float64:
		if !finite(x) {
			return b, false, nil
		}
	case []byte:
		raw = x
	case json.RawMessage:
		raw = x
	}
	if isRaw(v) {
		var kind rawKind
		if raw, kind = trimRaw(raw); kind == rawNull {
			return b, false, nil
		}
	}

	mark := len(b)
	if !first {
		b = append(b, ',')
	}
	b = append(b, j.keys[i]...)

	switch x := v.(type) {
	case string:
		b = event.AppendJSONString(b, x)
	case int64:
		b = strconv.AppendInt(b, x, 10)
	case int:
		b = strconv.AppendInt(b, int64(x), 10)
	case float64:
		b = appendFloat(b, x)
	case bool:
		b = strconv.AppendBool(b, x)
	case time.Time:
		b = append(b, '"')
		b = appendTime(b, x, j.loc)
		b = append(b, '"')
	case []byte, json.RawMessage:
		var err error
		if b, err = appendCompact(b, raw); err != nil {
			return b[:mark], false, err
		}
	default:
		return b[:mark], false, fmt.Errorf("unsupported value type %T", v)
	}
	return b, true, nil
}

func isRaw(v any) bool {
	switch v.(type) {
	case []byte, json.RawMessage:
		return true
	}
	return false
}
