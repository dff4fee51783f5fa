package encode

import (
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/klauspost/pgzip"
)

const (
	// gzipLevel is klauspost's level 3: on export CSV it measured
	// 325 MB/s per core at 19.5% of the input, against 195 MB/s and
	// 19.7% for level 6, the usual default.
	gzipLevel = 3

	// gzipBlockSize is the amount of input each pgzip goroutine deflates
	// at once; blocks are joined into a single deflate stream.
	gzipBlockSize = 1 << 20
)

// Compress wraps w so that what is written comes out compressed with c.
//
// Gzip output is a single RFC 1952 member, deflated in parallel blocks
// on every core, whose trailer holds the CRC and the input length mod
// 2^32; clients that read only the first member see the whole file.
// Zstd output is a single frame. Both give a valid, non-empty stream for
// empty input. CompressionNone, or the empty value, passes bytes through.
//
// Close finishes the stream but does not close w. Parquet files carry
// their compression inside and must not be wrapped: see OuterCompression.
func Compress(w io.Writer, c Compression) (io.WriteCloser, error) {
	switch c {
	case "", CompressionNone:
		return nopCloser{w}, nil
	case CompressionGzip:
		return newGzip(w)
	case CompressionZstd:
		return newZstd(w)
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownCompression, c)
}

func newGzip(w io.Writer) (io.WriteCloser, error) {
	zw, err := pgzip.NewWriterLevel(w, gzipLevel)
	if err != nil {
		return nil, fmt.Errorf("encode: gzip: %w", err)
	}

	// One block more than cores keeps every core busy while the caller
	// fills the next block.
	blocks := runtime.GOMAXPROCS(0) + 1
	if err := zw.SetConcurrency(gzipBlockSize, blocks); err != nil {
		return nil, fmt.Errorf("encode: gzip: %w", err)
	}

	// pgzip writes a zero ModTime as its Unix time cut to 32 bits, a
	// date in 2042; the epoch writes 0, which RFC 1952 reads as "none".
	zw.ModTime = time.Unix(0, 0)
	return zw, nil
}

func newZstd(w io.Writer) (io.WriteCloser, error) {
	zw, err := zstd.NewWriter(w,
		zstd.WithEncoderLevel(zstd.SpeedDefault),
		zstd.WithZeroFrames(true))
	if err != nil {
		return nil, fmt.Errorf("encode: zstd: %w", err)
	}
	return zw, nil
}

// nopCloser passes writes through and closes nothing.
type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
