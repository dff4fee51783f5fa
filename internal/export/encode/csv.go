package encode

import (
	"fmt"
	"io"
	"strconv"
	"time"
)

// utf8BOM is the byte order mark some spreadsheet apps need to read UTF-8.
const utf8BOM = "\xef\xbb\xbf"

// csvWriter writes RFC 4180 CSV: a header row, then one record per row,
// each ending in LF. A cell is quoted when it is empty, holds a comma,
// quote, CR or LF, or starts or ends with a space; quotes inside are
// doubled and line breaks are kept as they are. A missing value is an
// empty unquoted cell, so "" and missing stay distinct, which is why
// encoding/csv, which writes "" unquoted, is not used. Bytes pass through
// unchanged: no Unicode normalisation, no repair of invalid UTF-8.
type csvWriter struct {
	out     sink
	fields  []Field
	opt     Options
	loc     *time.Location
	started bool
	scratch []byte
}

func newCSVWriter(w io.Writer, fields []Field, opt Options) *csvWriter {
	return &csvWriter{out: newSink(w), fields: fields, opt: opt,
		loc: opt.Location}
}

// Write appends one record.
func (c *csvWriter) Write(row []any) error {
	if err := c.start(); err != nil {
		return err
	}
	if len(row) != len(c.fields) {
		return errRowLength(len(row), len(c.fields))
	}

	mark := len(c.out.buf)
	for i, v := range row {
		if i > 0 {
			c.out.buf = append(c.out.buf, ',')
		}
		if err := c.appendValue(asKind(c.fields[i].Kind, v)); err != nil {
			c.out.buf = c.out.buf[:mark]
			return fmt.Errorf("encode: column %q: %w", c.fields[i].Name, err)
		}
	}
	c.out.buf = append(c.out.buf, '\n')
	return c.out.maybeFlush()
}

// Close writes the header if no row did, and flushes.
func (c *csvWriter) Close() error {
	if err := c.start(); err != nil {
		return err
	}
	return c.out.close()
}

// start writes the BOM and header once.
func (c *csvWriter) start() error {
	if c.started {
		return c.out.err
	}
	c.started = true

	if c.opt.BOM {
		c.out.buf = append(c.out.buf, utf8BOM...)
	}
	for i, f := range c.fields {
		if i > 0 {
			c.out.buf = append(c.out.buf, ',')
		}
		c.appendString(f.Name)
	}
	c.out.buf = append(c.out.buf, '\n')
	return c.out.err
}

// appendValue appends one cell.
func (c *csvWriter) appendValue(v any) error {
	b := c.out.buf
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		c.appendString(v)
		return nil
	case int64:
		c.out.buf = strconv.AppendInt(b, v, 10)
		return nil
	case float64:
		if finite(v) {
			c.out.buf = appendFloat(b, v)
		}
		return nil
	case time.Time:
		c.out.buf = appendTime(b, v, c.loc)
		return nil
	}

	// The rest may need quotes once rendered: raw JSON lists and objects
	// usually do.
	text, isString, ok, err := appendText(c.scratch[:0], v, c.loc)
	c.scratch = text
	switch {
	case err != nil:
		return err
	case !ok:
		return nil
	case isString:
		c.appendString(string(text))
	default:
		c.out.buf = appendCell(b, text, false)
	}
	return nil
}

// appendString appends a string cell, escaping a formula if asked.
func (c *csvWriter) appendString(s string) {
	escape := c.opt.EscapeFormulas && isFormula(s)
	c.out.buf = appendCell(c.out.buf, s, escape)
}

// appendCell appends one cell, quoted when RFC 4180 needs it, with an
// apostrophe put in front when escape is set.
func appendCell[T string | []byte](b []byte, s T, escape bool) []byte {
	if !needsQuotes(s) {
		if escape {
			b = append(b, '\'')
		}
		return append(b, s...)
	}

	b = append(b, '"')
	if escape {
		b = append(b, '\'')
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, s[:i+1]...)
			b = append(b, '"')
			s, i = s[i+1:], -1
		}
	}
	b = append(b, s...)
	return append(b, '"')
}

// needsQuotes reports whether a cell must be quoted: it is empty (to
// tell "" from missing), holds a delimiter, quote or line break, or has
// a space at either end that some readers would trim.
func needsQuotes[T string | []byte](s T) bool {
	if len(s) == 0 || s[0] == ' ' || s[len(s)-1] == ' ' {
		return true
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',', '"', '\r', '\n':
			return true
		}
	}
	return false
}

// isFormula reports whether a spreadsheet would read s as a formula: it
// starts with = + - @ TAB or CR. A cell already starting with an
// apostrophe is left alone, which makes escaping idempotent.
func isFormula(s string) bool {
	if len(s) == 0 {
		return false
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}
