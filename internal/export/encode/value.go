package encode

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
)

// appendFloat appends f as the shortest decimal that parses back to f,
// in the form encoding/json uses: plain notation, with an exponent only
// for magnitudes below 1e-6 or from 1e21 on, and a two-digit exponent
// trimmed of its leading zero ("1e-7", not "1e-07").
func appendFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	notation := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		notation = 'e'
	}

	start := len(b)
	b = strconv.AppendFloat(b, f, notation, -1, 64)
	if notation == 'e' {
		// "1e-07" -> "1e-7"
		n := len(b) - start
		if n >= 4 && b[len(b)-4] == 'e' && b[len(b)-3] == '-' &&
			b[len(b)-2] == '0' {
			b[len(b)-2] = b[len(b)-1]
			b = b[:len(b)-1]
		}
	}
	return b
}

// finite reports whether f has a JSON form.
func finite(f float64) bool {
	return !math.IsNaN(f) && !math.IsInf(f, 0)
}

// rawKind classifies a raw JSON literal by its first byte.
type rawKind int

const (
	rawNull   rawKind = iota // null, or nothing at all
	rawString                // "..."
	rawOther                 // a number, true, false, an object or array
)

// trimRaw cuts the JSON whitespace around a raw literal and says what
// kind of literal it is.
func trimRaw(raw []byte) ([]byte, rawKind) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return nil, rawNull
	case raw[0] == '"':
		return raw, rawString
	}
	return raw, rawOther
}

// appendCompact appends the raw JSON literal in compact form. It returns
// an error, and b unchanged, when raw is not valid JSON.
func appendCompact(b []byte, raw []byte) ([]byte, error) {
	if !needsCompact(raw) {
		if !json.Valid(raw) {
			return b, errInvalidJSON
		}
		return append(b, raw...), nil
	}

	buf := bytes.NewBuffer(b)
	if err := json.Compact(buf, raw); err != nil {
		return b, errInvalidJSON
	}
	return buf.Bytes(), nil
}

// needsCompact reports whether raw holds JSON whitespace that compaction
// would remove. Whitespace inside strings gives a false positive, which
// costs only a little time.
func needsCompact(raw []byte) bool {
	for _, c := range raw {
		if c == ' ' || c == '\n' || c == '\r' || c == '\t' {
			return true
		}
	}
	return false
}

// errInvalidJSON reports a raw JSON value that does not parse.
var errInvalidJSON = errors.New("raw value is not valid JSON")

// asKind turns a bool in an int or flag column into 0 or 1, so that a
// flag reads the same in every format whichever Go type the store
// scanned it as. Other values pass through.
func asKind(k event.Kind, v any) any {
	b, ok := v.(bool)
	if !ok || (k != event.KindFlag && k != event.KindInt) {
		return v
	}
	if b {
		return int64(1)
	}
	return int64(0)
}

// appendText appends the text form of v shared by CSV cells and Parquet
// strings, and reports whether v was a string (including a raw JSON
// string literal), the only values formula escaping applies to. A nil
// or missing v appends nothing and reports ok false.
func appendText(b []byte, v any, loc *time.Location) (out []byte, isString, ok bool, err error) {
	switch v := v.(type) {
	case nil:
		return b, false, false, nil
	case string:
		return append(b, v...), true, true, nil
	case int64:
		return strconv.AppendInt(b, v, 10), false, true, nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), false, true, nil
	case float64:
		if !finite(v) {
			return b, false, false, nil
		}
		return appendFloat(b, v), false, true, nil
	case bool:
		return strconv.AppendBool(b, v), false, true, nil
	case time.Time:
		return appendTime(b, v, loc), false, true, nil
	case []byte:
		return appendRawText(b, v)
	case json.RawMessage:
		return appendRawText(b, v)
	}
	return b, false, false, fmt.Errorf("unsupported value type %T", v)
}

// appendRawText appends the text form of a raw JSON literal: a string's
// contents, or any other literal compacted.
func appendRawText(b []byte, raw []byte) (out []byte, isString, ok bool, err error) {
	raw, kind := trimRaw(raw)
	switch kind {
	case rawNull:
		return b, false, false, nil
	case rawString:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return b, false, false, errInvalidJSON
		}
		return append(b, s...), true, true, nil
	}

	out, err = appendCompact(b, raw)
	return out, false, err == nil, err
}
