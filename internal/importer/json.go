package importer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// jsonSource reads row objects one at a time, either the elements of a
// JSON array or a stream of objects (NDJSON), without holding more than
// the current object.
type jsonSource struct {
	dec   *json.Decoder
	cols  *columnSet
	array bool
}

// newJSONSource starts reading r; in an array, it consumes the opening
// bracket.
func newJSONSource(r io.Reader, cols *columnSet, array bool) (*jsonSource, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()

	s := &jsonSource{dec: dec, cols: cols, array: array}
	if array {
		if _, err := dec.Token(); err != nil {
			return nil, &ParseError{Record: 1, Err: s.error(err)}
		}
	}
	return s, nil
}

func (s *jsonSource) next(row *Row) error {
	if s.array && !s.dec.More() {
		return s.end()
	}

	tok, err := s.dec.Token()
	if err == io.EOF && !s.array {
		return io.EOF
	}
	if err != nil {
		return s.error(err)
	}
	if tok != json.Delim('{') {
		return errNotObject
	}

	for s.dec.More() {
		tok, err := s.dec.Token()
		if err != nil {
			return s.error(err)
		}
		name, _ := tok.(string) // More and Token guarantee a key here

		var raw json.RawMessage
		if err := s.dec.Decode(&raw); err != nil {
			return s.error(err)
		}
		t := s.cols.resolve(name)
		if err := setJSON(row, t, raw); err != nil {
			return columnError(name, err)
		}
	}

	// The closing brace.
	if _, err := s.dec.Token(); err != nil {
		return s.error(err)
	}
	return nil
}

// end reads the closing bracket of the array and checks that nothing but
// white space follows it.
func (s *jsonSource) end() error {
	if _, err := s.dec.Token(); err != nil {
		return s.error(err)
	}
	_, err := s.dec.Token()
	switch {
	case err == io.EOF:
		return io.EOF
	case err != nil:
		return s.error(err)
	}
	return errors.New("data after the JSON array")
}

// error describes a decoding error by position only, as the decoder's
// own messages may quote the input. The position is the decoder's: the
// bad token, or the start of the value that holds the bad byte.
func (s *jsonSource) error(err error) error {
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &syntax):
		return fmt.Errorf("malformed JSON near offset %d", s.dec.InputOffset())
	case err == io.EOF, errors.Is(err, io.ErrUnexpectedEOF):
		return errUnexpectedEnd
	}
	return fmt.Errorf("read input: %w", err)
}
