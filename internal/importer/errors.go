package importer

import (
	"errors"
	"fmt"
	"io"
)

// ParseError reports a record or column that could not be read. Its
// message names the place, never the value found there, so it is safe
// to log and to show.
type ParseError struct {
	Record int    // 1-based record number; 0 for the CSV header
	Column string // the column name; "" when the record as a whole is bad
	Err    error  // what was wrong
}

func (e *ParseError) Error() string {
	where := "header"
	if e.Record > 0 {
		where = fmt.Sprintf("record %d", e.Record)
	}
	if e.Column != "" {
		return fmt.Sprintf("%s: column %q: %v", where, e.Column, e.Err)
	}
	return fmt.Sprintf("%s: %v", where, e.Err)
}

// Unwrap returns the cause, so that errors.Is finds I/O errors.
func (e *ParseError) Unwrap() error { return e.Err }

// The causes of value errors. Their text ends up after the column name.
var (
	errNotInt        = errors.New("not an integer")
	errIntRange      = errors.New("integer out of range")
	errNotNumber     = errors.New("not a number")
	errNumberRange   = errors.New("number out of range")
	errNotString     = errors.New("not a string")
	errNotTime       = errors.New("not an RFC 3339 time")
	errNotFlag       = errors.New("not a flag (0, 1, true or false)")
	errNotBool       = errors.New("not a boolean")
	errNotArray      = errors.New("not a JSON array")
	errNotJSON       = errors.New("not valid JSON")
	errNotObject     = errors.New("not a JSON object")
	errUnexpectedEnd = errors.New("unexpected end of input")
)

// columnError ties err to the column it was found in.
func columnError(column string, err error) error {
	return &ParseError{Column: column, Err: err}
}

// atRecord places err at the given record, leaving io.EOF alone.
func atRecord(err error, record int) error {
	if err == io.EOF {
		return err
	}
	var pe *ParseError
	if errors.As(err, &pe) {
		pe.Record = record
		return pe
	}
	return &ParseError{Record: record, Err: err}
}
