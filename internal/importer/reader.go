// Package importer reads export files in the hosted product's event
// format, one row at a time: a JSON array, NDJSON or CSV, each optionally
// gzipped. Known columns are typed by the event catalog, custom property
// columns become raw JSON values, and any other column is skipped and
// reported by name.
package importer

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
)

// Row is one event row of an export file.
type Row struct {
	// Record holds the event columns by export name, typed by their
	// Kind, and the evt_ and page_ properties by stored key. Values is
	// never nil; the property maps are nil when the row has none. The
	// person columns are in Person, not in Values, except IndvId, which
	// is in both.
	Record event.Record

	// Person holds the user-level values found on the row.
	Person PersonFields

	// Line is the 1-based number of the record in the file: the element
	// of a JSON array, the object of an NDJSON stream, or the data row of
	// a CSV file, whose quoted cells may span several text lines.
	Line int
}

// PersonFields are the user-level values of a row, named after their
// export columns. A nil pointer means the column was absent or null; an
// empty string is a value.
type PersonFields struct {
	IndvID          *event.IndvID // IndvId
	UserAppKey      *string       // the uid the site set
	UserDisplayName *string
	UserEmail       *string
	UserCreated     *time.Time  // UTC
	Props           event.Props // user_* properties by stored key; nil when none
}

// Format is the layout of an export file, as NewReader detected it.
type Format string

// The formats NewReader recognises.
const (
	FormatJSON   Format = "json"   // one JSON array of row objects
	FormatNDJSON Format = "ndjson" // one JSON object per line
	FormatCSV    Format = "csv"    // a header row, then rows
)

// source yields the records of one format. next fills row from the next
// record and returns io.EOF, and only io.EOF, after the last one.
type source interface {
	next(row *Row) error
}

// Reader reads rows from an export file. It holds one record in memory
// at a time, whatever the size of the file. A Reader is not safe for
// concurrent use.
type Reader struct {
	src     source
	format  Format
	cols    *columnSet
	records int
	err     error
}

// bufferSize is the read buffer; a gzip stream gets one on each side.
const bufferSize = 64 << 10

// NewReader detects the format of r and prepares to read its rows. Input
// starting with the gzip magic bytes is decompressed first. After an
// optional UTF-8 byte order mark and white space, '[' starts a JSON
// array, '{' an NDJSON stream, and anything else a CSV file with a header
// row. Empty input reads as a CSV file with no rows. A CSV header that
// cannot be used is a *ParseError at record 0, printed as "header".
func NewReader(r io.Reader) (*Reader, error) {
	br := bufio.NewReaderSize(r, bufferSize)
	magic, err := br.Peek(2)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("read input: %w", err)
	}
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("open gzip: %w", err)
		}
		br = bufio.NewReaderSize(zr, bufferSize)
	}

	first, err := firstByte(br)
	if err != nil {
		return nil, fmt.Errorf("read input: %w", err)
	}

	rd := &Reader{cols: newColumnSet()}
	switch first {
	case '[':
		rd.format = FormatJSON
		rd.src, err = newJSONSource(br, rd.cols, true)
	case '{':
		rd.format = FormatNDJSON
		rd.src, err = newJSONSource(br, rd.cols, false)
	default:
		rd.format = FormatCSV
		rd.src, err = newCSVSource(br, rd.cols)
	}
	if err != nil {
		return nil, err
	}
	return rd, nil
}

// firstByte skips a UTF-8 byte order mark and leading white space, and
// returns the byte that follows without consuming it, or 0 at the end.
func firstByte(br *bufio.Reader) (byte, error) {
	if bom, err := br.Peek(3); err == nil && string(bom) == "\xef\xbb\xbf" {
		br.Discard(3)
	}
	for {
		b, err := br.ReadByte()
		if err == io.EOF {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return b, br.UnreadByte()
	}
}

// Next reads the next row. It returns io.EOF after the last row. Any
// other error is a *ParseError naming the record and, where it applies,
// the column; it never quotes a value from the file. Errors are final:
// once Next has returned one, it returns the same error again.
func (r *Reader) Next() (Row, error) {
	if r.err != nil {
		return Row{}, r.err
	}

	row := Row{
		Record: event.Record{Values: make(map[string]any)},
		Line:   r.records + 1,
	}
	if err := r.src.next(&row); err != nil {
		r.err = atRecord(err, row.Line)
		return Row{}, r.err
	}
	r.records++
	return row, nil
}

// Format is the layout NewReader detected.
func (r *Reader) Format() Format { return r.format }

// Unknown lists, sorted, the names of the columns seen so far that are
// neither catalog columns nor custom property columns. Their values were
// skipped. The list keeps at most 1000 names.
func (r *Reader) Unknown() []string {
	names := make([]string, 0, len(r.cols.unknown))
	for name := range r.cols.unknown {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}
