package importer

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
)

// valueFromJSON converts a JSON literal to the Go value of kind k: int64,
// float64, string, time.Time, an int64 0 or 1 for flags, or raw JSON.
// ok is false for null, and for "" in a time column, which the hosted
// product writes for a missing time.
func valueFromJSON(k event.Kind, raw json.RawMessage) (v any, ok bool, err error) {
	lit := string(raw)
	if lit == "null" {
		return nil, false, nil
	}

	switch k {
	case event.KindInt:
		if !isNumber(lit) {
			return nil, false, errNotInt
		}
		return present(parseInt(lit))
	case event.KindFloat:
		if !isNumber(lit) {
			return nil, false, errNotNumber
		}
		return present(parseFloat(lit))
	case event.KindString:
		return present(jsonString(raw))
	case event.KindTime:
		s, err := jsonString(raw)
		if err != nil {
			return nil, false, errNotTime
		}
		if s == "" {
			return nil, false, nil
		}
		return present(parseTime(s))
	case event.KindFlag:
		return present(parseFlag(lit))
	case event.KindJSON:
		return raw, true, nil
	}
	return nil, false, fmt.Errorf("unsupported column kind %d", k)
}

// valueFromText converts a CSV cell to the Go value of kind k, as
// valueFromJSON does. An empty cell is absent, except that a quoted empty
// cell is "" in a string column. Other kinds ignore surrounding spaces.
func valueFromText(k event.Kind, text string, quoted bool) (v any, ok bool, err error) {
	if k == event.KindString {
		if text == "" && !quoted {
			return nil, false, nil
		}
		return text, true, nil
	}

	text = strings.TrimSpace(text)
	if text == "" {
		return nil, false, nil
	}
	switch k {
	case event.KindInt:
		if !isNumber(text) {
			return nil, false, errNotInt
		}
		return present(parseInt(text))
	case event.KindFloat:
		if !isNumber(text) {
			return nil, false, errNotNumber
		}
		return present(parseFloat(text))
	case event.KindTime:
		return present(parseTime(text))
	case event.KindFlag:
		return present(parseFlag(text))
	case event.KindJSON:
		if !json.Valid([]byte(text)) {
			return nil, false, errNotJSON
		}
		return json.RawMessage(text), true, nil
	}
	return nil, false, fmt.Errorf("unsupported column kind %d", k)
}

// present turns a parse result into a value result.
func present[T any](v T, err error) (any, bool, error) {
	if err != nil {
		return nil, false, err
	}
	return v, true, nil
}

// isNumber reports whether s is a number as JSON spells it, which rules
// out "+1", ".5", "0x10", "NaN" and "Inf".
func isNumber(s string) bool {
	if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
		return false
	}
	return json.Valid([]byte(s))
}

// maxExactInt bounds the integers that a float64 holds exactly.
const maxExactInt = 1 << 53

// parseInt parses a JSON number that must be integral. Plain digits are
// read exactly over the whole int64 range; forms like 12.0 or 1e3 are
// accepted only where a float64 holds them exactly.
func parseInt(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err == nil {
		return n, nil
	}
	if errors.Is(err, strconv.ErrRange) {
		return 0, errIntRange
	}

	f, err := strconv.ParseFloat(s, 64)
	switch {
	case errors.Is(err, strconv.ErrRange):
		return 0, errIntRange
	case err != nil || f != math.Trunc(f):
		return 0, errNotInt
	case math.Abs(f) > maxExactInt:
		return 0, errIntRange
	}
	return int64(f), nil
}

// parseFloat parses a JSON number that a float64 can hold.
func parseFloat(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if errors.Is(err, strconv.ErrRange) {
		return 0, errNumberRange
	}
	if err != nil {
		return 0, errNotNumber
	}
	return f, nil
}

// parseTime parses an RFC 3339 time with any offset and returns it in
// UTC, truncated to the microseconds the store keeps.
func parseTime(s string) (time.Time, error) {
	t, err := event.ParseTime(s)
	if err != nil {
		return time.Time{}, errNotTime
	}
	return t.UTC().Truncate(time.Microsecond), nil
}

// parseFlag parses 0, 1, true or false, in any case, as 0 or 1.
func parseFlag(s string) (int64, error) {
	switch {
	case s == "0" || strings.EqualFold(s, "false"):
		return 0, nil
	case s == "1" || strings.EqualFold(s, "true"):
		return 1, nil
	}
	return 0, errNotFlag
}

// jsonString decodes a JSON string literal.
func jsonString(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || raw[0] != '"' {
		return "", errNotString
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", errNotString
	}
	return s, nil
}
