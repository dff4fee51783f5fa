// Package encode writes export rows as CSV, JSON, NDJSON or Parquet, and
// wraps the result in gzip or zstd. It knows nothing of segments or
// stores: callers hand it a list of typed fields and then rows of Go
// values aligned with them.
//
// Rendering rules shared by the text formats:
//
//   - A time.Time is an RFC 3339 string with exactly three fractional
//     digits, truncated toward the past, in Options.Location with that
//     zone's offset at that instant; a zero offset renders as "Z".
//   - A float64 is the shortest text that reads back to the same value,
//     as encoding/json writes it: 2 is "2", 0.1 is "0.1". NaN and ±Inf
//     have no JSON form and are treated as missing.
//   - A []byte or json.RawMessage holds one raw JSON literal. JSON and
//     NDJSON embed it compacted; CSV and Parquet strings hold a JSON
//     string literal's text, and any other literal's compact JSON. The
//     literal null is treated as missing.
//   - A bool in an int or flag column is 0 or 1; elsewhere it is true or
//     false.
//   - nil is a missing value: an empty unquoted CSV cell, a key left out
//     of a JSON object, a Parquet null.
package encode

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
)

// Format is an export file format, spelled as the API spells it.
type Format string

// The export formats.
const (
	FormatCSV     Format = "FORMAT_CSV"
	FormatJSON    Format = "FORMAT_JSON"
	FormatNDJSON  Format = "FORMAT_NDJSON"
	FormatParquet Format = "FORMAT_PARQUET"
)

// Compression is how an export file is compressed, spelled as the API
// spells it. For the text formats it is an outer wrapper around the whole
// file; for Parquet it is the codec of the pages inside the file.
type Compression string

// The compressions. The empty value means CompressionNone for the text
// formats and CompressionZstd pages for Parquet.
const (
	CompressionGzip Compression = "COMPRESSION_GZIP"
	CompressionZstd Compression = "COMPRESSION_ZSTD"
	CompressionNone Compression = "COMPRESSION_NONE"
)

// Field is one output column: its name as written in headers and keys,
// and the kind of its values.
type Field struct {
	Name string
	Kind event.Kind
}

// Options tunes a writer. The zero value writes UTC timestamps, no BOM,
// no formula escaping, and zstd Parquet pages.
type Options struct {
	// Location is the zone timestamps are rendered in; nil means UTC.
	// Parquet stores instants and ignores it.
	Location *time.Location

	// BOM writes the UTF-8 byte order mark once before the CSV header,
	// for spreadsheet apps that need it to detect UTF-8. Default off.
	// Ignored by the other formats.
	BOM bool

	// EscapeFormulas prefixes an apostrophe to every CSV string cell,
	// header cells included, that starts with = + - @ TAB or CR, so that
	// a spreadsheet shows it as text rather than running it (CWE-1236).
	// Numbers, times and booleans are never prefixed. The API turns it on
	// by default for CSV; this package leaves the choice to the caller.
	// Ignored by the other formats, which carry raw values.
	EscapeFormulas bool

	// Compression is the Parquet page codec: zstd when empty, gzip for
	// CompressionGzip (the Parquet-internal codec, never an outer
	// wrapper), none for CompressionNone. Ignored by the text formats;
	// wrap their output with Compress instead.
	Compression Compression
}

// RowWriter writes the rows of one export file.
//
// Write takes one row whose values line up with the fields given to
// NewWriter; it does not keep the slice, so the caller may reuse it. A
// value is int64, float64, string, time.Time, bool, []byte or
// json.RawMessage holding raw JSON, or nil for a missing value. Write
// returns an error for a row of the wrong length or a value the
// column cannot hold, without writing any of that row; the file is
// still usable.
//
// Close writes whatever closes the file (the end of the JSON array, the
// Parquet footer) and flushes buffered bytes. It does not close the
// underlying writer. After an error from the underlying writer every
// later call returns that error; after Close, every call returns
// ErrClosed.
type RowWriter interface {
	Write(row []any) error
	Close() error
}

// ErrUnknownFormat is returned for a Format this package does not write.
var ErrUnknownFormat = errors.New("encode: unknown format")

// ErrUnknownCompression is returned for an unknown Compression.
var ErrUnknownCompression = errors.New("encode: unknown compression")

// NewWriter returns a RowWriter that writes fields and rows to w in
// format f. The CSV header is written by the first Write or by Close.
func NewWriter(w io.Writer, f Format, fields []Field, opt Options) (RowWriter, error) {
	if opt.Location == nil {
		opt.Location = time.UTC
	}
	fields = slices.Clone(fields)

	switch f {
	case FormatCSV:
		return newCSVWriter(w, fields, opt), nil
	case FormatJSON:
		return newJSONWriter(w, fields, opt, false), nil
	case FormatNDJSON:
		return newJSONWriter(w, fields, opt, true), nil
	case FormatParquet:
		return newParquetWriter(w, fields, opt)
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownFormat, f)
}

// OuterCompression is the compression to wrap a file of format f in when
// the export asks for c: c itself for the text formats, and none for
// Parquet, whose compression lives inside the file.
func OuterCompression(f Format, c Compression) Compression {
	if f == FormatParquet || c == "" {
		return CompressionNone
	}
	return c
}

// FileExtension is the file name suffix for format f compressed with c,
// such as ".csv.gz" or ".ndjson.zst". Parquet is always ".parquet".
func FileExtension(f Format, c Compression) string {
	var ext string
	switch f {
	case FormatCSV:
		ext = ".csv"
	case FormatJSON:
		ext = ".json"
	case FormatNDJSON:
		ext = ".ndjson"
	case FormatParquet:
		return ".parquet"
	}

	switch c {
	case CompressionGzip:
		return ext + ".gz"
	case CompressionZstd:
		return ext + ".zst"
	}
	return ext
}

// ContentType is the media type of a file of format f compressed with c.
// A compressed file is served as the compressed type, never with a
// Content-Encoding, so that clients save the bytes unchanged.
func ContentType(f Format, c Compression) string {
	if f == FormatParquet {
		return "application/vnd.apache.parquet"
	}

	switch c {
	case CompressionGzip:
		return "application/gzip"
	case CompressionZstd:
		return "application/zstd"
	}

	switch f {
	case FormatCSV:
		return "text/csv"
	case FormatJSON:
		return "application/json"
	case FormatNDJSON:
		return "application/x-ndjson"
	}
	return "application/octet-stream"
}
