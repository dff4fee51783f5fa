package encode

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// compressAll writes rows in format f through Compress(c).
func compressAll(t *testing.T, f Format, c Compression, fields []Field,
	rows [][]any, opt Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := Compress(&buf, c)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewWriter(zw, f, fields, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		if err := w.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// gunzipOneMember reads data as exactly one gzip member, checks the
// framing that single-member readers rely on, and returns the payload.
func gunzipOneMember(t *testing.T, data []byte) []byte {
	t.Helper()
	if !bytes.HasPrefix(data, []byte{0x1f, 0x8b, 0x08}) {
		t.Fatalf("starts with % x, want 1f 8b 08", data[:min(3, len(data))])
	}

	if mtime := binary.LittleEndian.Uint32(data[4:8]); mtime != 0 {
		t.Errorf("MTIME %d, want 0 (none) for reproducible files", mtime)
	}

	r := bytes.NewReader(data)
	zr, err := gzip.NewReader(r)
	if err != nil {
		t.Fatal(err)
	}
	zr.Multistream(false)
	payload, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("read first member: %v", err)
	}
	if r.Len() != 0 {
		t.Fatalf("%d bytes follow the first gzip member", r.Len())
	}

	isize := binary.LittleEndian.Uint32(data[len(data)-4:])
	if isize != uint32(len(payload)) {
		t.Errorf("ISIZE %d, want %d", isize, uint32(len(payload)))
	}
	return payload
}

// BUG-29: one gzip member holding the whole file.
func TestGzipSingleMember(t *testing.T) {
	rows := [][]any{{"e1"}, {"e2"}, {"e3"}}
	data := compressAll(t, FormatNDJSON, CompressionGzip, strFields("event_id"),
		rows, Options{})

	got := gunzipOneMember(t, data)
	want := "{\"event_id\":\"e1\"}\n{\"event_id\":\"e2\"}\n{\"event_id\":\"e3\"}\n"
	if string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if bytes.HasPrefix(data, []byte("PK")) {
		t.Error("output is a ZIP archive")
	}
}

// pgzip splits input into parallel blocks; the result must still be one
// member, even across many blocks.
func TestGzipLargeSingleMember(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var rows [][]any
	for i := range 200000 {
		rows = append(rows, []any{strconv.Itoa(i), rng.Int64()})
	}
	fields := strFields("id", "n")
	want := encodeAll(t, FormatCSV, fields, rows, Options{})
	if len(want) < 4*gzipBlockSize {
		t.Fatalf("payload %d bytes is too small to span blocks", len(want))
	}

	data := compressAll(t, FormatCSV, CompressionGzip, fields, rows, Options{})
	if got := gunzipOneMember(t, data); !bytes.Equal(got, want) {
		t.Error("payload differs after a gzip round trip")
	}
}

// BUG-35: an empty payload is still a valid gzip stream; BUG-03: the BOM
// sits inside the compressed payload.
func TestGzipEmptyAndBOM(t *testing.T) {
	data := compressAll(t, FormatNDJSON, CompressionGzip, strFields("a"), nil,
		Options{})
	if got := gunzipOneMember(t, data); len(got) != 0 {
		t.Errorf("got %q, want an empty payload", got)
	}
	if len(data) > 40 {
		t.Errorf("empty gzip is %d bytes, want about 20", len(data))
	}

	data = compressAll(t, FormatCSV, CompressionGzip, strFields("a"),
		[][]any{{"ü"}}, Options{BOM: true})
	got := gunzipOneMember(t, data)
	if want := utf8BOM + "a\nü\n"; string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestZstdRoundTrip(t *testing.T) {
	cases := []struct {
		name string
		rows [][]any
		want string
	}{
		{"rows", [][]any{{"x"}, {"y"}}, "a\nx\ny\n"},
		{"empty", nil, "a\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := compressAll(t, FormatCSV, CompressionZstd, strFields("a"),
				tc.rows, Options{})
			if !bytes.HasPrefix(data, []byte{0x28, 0xb5, 0x2f, 0xfd}) {
				t.Fatalf("starts with % x, want the zstd magic", data[:4])
			}
			zr, err := zstd.NewReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			defer zr.Close()
			got, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}

	t.Run("empty is a frame", func(t *testing.T) {
		data := compressAll(t, FormatNDJSON, CompressionZstd, strFields("a"),
			nil, Options{})
		if len(data) == 0 {
			t.Error("empty input gave 0 bytes, want one zstd frame")
		}
	})
}

func TestCompressNoneAndUnknown(t *testing.T) {
	var buf bytes.Buffer
	for _, c := range []Compression{"", CompressionNone} {
		buf.Reset()
		zw, err := Compress(&buf, c)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(zw, "plain")
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if buf.String() != "plain" {
			t.Errorf("Compress(%q) changed the bytes: %q", c, buf.String())
		}
	}
	if _, err := Compress(&buf, "COMPRESSION_LZ4"); err == nil {
		t.Error("unknown compression: got no error")
	}
}
