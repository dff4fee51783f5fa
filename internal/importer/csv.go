package importer

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// csvField is one cell of a CSV record. Quoted tells `""` (an empty
// string) from an empty cell (no value), which encoding/csv cannot.
type csvField struct {
	text   string
	quoted bool
}

// csvReader reads RFC 4180 records: fields separated by commas, records
// ended by CRLF or LF, and double-quoted fields that may hold commas,
// doubled quotes and line breaks, which are kept as written. A quote
// inside an unquoted field is taken as text. Blank lines are skipped.
type csvReader struct {
	br     *bufio.Reader
	buf    []byte // the text of every field of the record, end to end
	ends   []int  // where each field ends in buf
	quoted []bool
}

var (
	errUnterminated = errors.New("malformed CSV: quoted field not closed")
	errAfterQuote   = errors.New("malformed CSV: text after a closing quote")
)

// read returns the next record. It returns io.EOF only at the end of the
// input between records.
func (c *csvReader) read() ([]csvField, error) {
	if err := c.skipBlankLines(); err != nil {
		return nil, err
	}

	c.buf, c.ends, c.quoted = c.buf[:0], c.ends[:0], c.quoted[:0]
	for {
		more, quoted, err := c.readField()
		if err != nil {
			return nil, err
		}
		c.ends = append(c.ends, len(c.buf))
		c.quoted = append(c.quoted, quoted)
		if !more {
			break
		}
	}

	// One string for the whole record, sliced per field.
	text := string(c.buf)
	fields := make([]csvField, len(c.ends))
	start := 0
	for i, end := range c.ends {
		fields[i] = csvField{text: text[start:end], quoted: c.quoted[i]}
		start = end
	}
	return fields, nil
}

// skipBlankLines consumes empty lines before a record.
func (c *csvReader) skipBlankLines() error {
	for {
		b, err := c.br.ReadByte()
		if err != nil {
			return readError(err)
		}
		switch {
		case b == '\n':
		case b == '\r' && c.peekLF():
			c.br.Discard(1)
		default:
			return c.br.UnreadByte()
		}
	}
}

// readField appends one field to buf. more reports that a comma ended
// it, so another field follows in the same record.
func (c *csvReader) readField() (more, quoted bool, err error) {
	b, err := c.br.ReadByte()
	if err == io.EOF {
		return false, false, nil
	}
	if err != nil {
		return false, false, readError(err)
	}
	if b == '"' {
		more, err := c.readQuoted()
		return more, true, err
	}

	for {
		switch {
		case b == ',':
			return true, false, nil
		case b == '\n':
			return false, false, nil
		case b == '\r' && c.peekLF():
			c.br.Discard(1)
			return false, false, nil
		}
		c.buf = append(c.buf, b)

		b, err = c.br.ReadByte()
		if err == io.EOF {
			return false, false, nil
		}
		if err != nil {
			return false, false, readError(err)
		}
	}
}

// readQuoted reads the rest of a quoted field, after its opening quote.
func (c *csvReader) readQuoted() (more bool, err error) {
	for {
		b, err := c.br.ReadByte()
		if err == io.EOF {
			return false, errUnterminated
		}
		if err != nil {
			return false, readError(err)
		}
		if b != '"' {
			c.buf = append(c.buf, b)
			continue
		}

		// A quote either doubles as text or closes the field.
		b, err = c.br.ReadByte()
		switch {
		case err == io.EOF:
			return false, nil
		case err != nil:
			return false, readError(err)
		case b == '"':
			c.buf = append(c.buf, '"')
		case b == ',':
			return true, nil
		case b == '\n':
			return false, nil
		case b == '\r' && c.peekLF():
			c.br.Discard(1)
			return false, nil
		default:
			return false, errAfterQuote
		}
	}
}

// peekLF reports whether a line feed comes next.
func (c *csvReader) peekLF() bool {
	next, err := c.br.Peek(1)
	return err == nil && next[0] == '\n'
}

// readError passes io.EOF through and describes any other read error.
func readError(err error) error {
	if err == io.EOF {
		return err
	}
	return fmt.Errorf("read input: %w", err)
}

// csvSource reads rows from a CSV file whose first record names the
// columns.
type csvSource struct {
	csv     *csvReader
	columns []target
}

// newCSVSource reads the header row and resolves its column names.
func newCSVSource(br *bufio.Reader, cols *columnSet) (*csvSource, error) {
	s := &csvSource{csv: &csvReader{br: br}}
	header, err := s.csv.read()
	if err == io.EOF {
		return s, nil
	}
	if err != nil {
		return nil, &ParseError{Err: err}
	}

	seen := make(map[string]bool, len(header))
	for i, f := range header {
		switch {
		case f.text == "":
			return nil, &ParseError{Err: fmt.Errorf("column %d has no name", i+1)}
		case seen[f.text]:
			return nil, &ParseError{Column: f.text, Err: errors.New("appears twice")}
		}
		seen[f.text] = true
		s.columns = append(s.columns, cols.resolve(f.text))
	}
	return s, nil
}

func (s *csvSource) next(row *Row) error {
	fields, err := s.csv.read()
	if err != nil {
		return err
	}
	if len(fields) != len(s.columns) {
		return fmt.Errorf("has %d fields, the header has %d", len(fields), len(s.columns))
	}

	for i, f := range fields {
		t := s.columns[i]
		if err := setText(row, t, f.text, f.quoted); err != nil {
			return columnError(t.name, err)
		}
	}
	return nil
}
