package encode

import (
	"errors"
	"fmt"
	"io"
)

// flushAt is the buffered size at which writers hand bytes to the
// underlying io.Writer.
const flushAt = 64 << 10

// ErrClosed is returned by a RowWriter used after Close.
var ErrClosed = errors.New("encode: writer is closed")

// sink buffers the output of the text formats and remembers the first
// error, so that every later call reports it.
type sink struct {
	w   io.Writer
	buf []byte
	err error
}

func newSink(w io.Writer) sink {
	return sink{w: w, buf: make([]byte, 0, flushAt+flushAt/4)}
}

// maybeFlush writes the buffer out once it is large enough.
func (s *sink) maybeFlush() error {
	if len(s.buf) < flushAt {
		return s.err
	}
	return s.flush()
}

func (s *sink) flush() error {
	if s.err != nil || len(s.buf) == 0 {
		return s.err
	}
	if _, err := s.w.Write(s.buf); err != nil {
		s.err = fmt.Errorf("encode: write: %w", err)
	}
	s.buf = s.buf[:0]
	return s.err
}

// close flushes and marks the sink closed.
func (s *sink) close() error {
	err := s.flush()
	if s.err == nil {
		s.err = ErrClosed
	}
	return err
}

func errRowLength(got, want int) error {
	return fmt.Errorf("encode: row has %d values, want %d", got, want)
}
