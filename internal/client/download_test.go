package client_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/backstory-dev/backstory/internal/client"
	"github.com/backstory-dev/backstory/internal/client/clienttest"
)

// gzipped returns n pseudo-random rows, gzipped: bytes a client must
// keep exactly as served.
func gzipped(t *testing.T, n int) []byte {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	for i := range n {
		_, _ = zw.Write([]byte(strings.Repeat("x", r.IntN(40))))
		_, _ = zw.Write([]byte{byte(i), '\n'})
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// downloadTo downloads the export exp-op-1 into a temporary file and
// returns its bytes.
func downloadTo(t *testing.T, c *client.Client) ([]byte, client.DownloadInfo) {
	t.Helper()
	loc, _, err := c.ExportResults(t.Context(), "exp-op-1")
	if err != nil {
		t.Fatalf("ExportResults: %v", err)
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "out.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	info, err := c.Download(t.Context(), client.DownloadParams{
		Location: loc, ExportID: "exp-op-1", Dst: f})
	if err != nil {
		t.Fatalf("Download: %v", err)
	}
	got, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	return got, info
}

func TestDownloadKeepsCompressedBytes(t *testing.T) {
	t.Parallel()
	srv := clienttest.NewServer(t, testKey)
	srv.File = gzipped(t, 1000)
	srv.Filename = "Everyone 2024-05-01.csv.gz"
	c, _ := newClient(t, srv)

	got, info := downloadTo(t, c)
	if !bytes.Equal(got, srv.File) {
		t.Errorf("downloaded %d bytes, differ from the %d served",
			len(got), len(srv.File))
	}
	if info.Size != int64(len(srv.File)) || info.Filename != srv.Filename {
		t.Errorf("info = %+v, want size %d and name %q",
			info, len(srv.File), srv.Filename)
	}

	get := srv.Calls()[len(srv.Calls())-1]
	if ae := get.Header.Get("Accept-Encoding"); ae != "" {
		t.Errorf("download sent Accept-Encoding %q, want none", ae)
	}
	if auth := get.Header.Get("Authorization"); auth != "" {
		t.Errorf("download sent the API key to the signed location")
	}
}

func TestDownloadResumesAfterCutConnection(t *testing.T) {
	t.Parallel()
	srv := clienttest.NewServer(t, testKey)
	srv.File = gzipped(t, 20000)
	srv.CutAfter = len(srv.File) / 3
	c, rec := newClient(t, srv)

	var last, total int64
	loc, _, err := c.ExportResults(t.Context(), "exp-op-1")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "out.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, err = c.Download(t.Context(), client.DownloadParams{Location: loc,
		Dst: f, OnProgress: func(done, tot int64) { last, total = done, tot }})
	if err != nil {
		t.Fatalf("Download: %v", err)
	}

	got, _ := os.ReadFile(f.Name())
	if !bytes.Equal(got, srv.File) {
		t.Fatalf("resumed download differs: %d bytes, want %d",
			len(got), len(srv.File))
	}
	if want := int64(len(srv.File)); last != want || total != want {
		t.Errorf("last progress = %d of %d, want %d of %d",
			last, total, want, want)
	}
	if len(rec.got()) != 1 {
		t.Errorf("sleeps = %v, want one backoff before resuming", rec.got())
	}

	calls := srv.Calls()
	resume := calls[len(calls)-1]
	wantRange := "bytes=" + strconv.Itoa(srv.CutAfter) + "-"
	if r := resume.Header.Get("Range"); r != wantRange {
		t.Errorf("resume Range = %q, want %q", r, wantRange)
	}
}

func TestDownloadMintsFreshLocationWhenExpired(t *testing.T) {
	t.Parallel()
	srv := clienttest.NewServer(t, testKey)
	srv.File = gzipped(t, 20000)
	srv.CutAfter = len(srv.File) / 2
	srv.ExpireOnCut = true
	c, _ := newClient(t, srv)

	got, _ := downloadTo(t, c)
	if !bytes.Equal(got, srv.File) {
		t.Fatalf("download differs: %d bytes, want %d", len(got), len(srv.File))
	}

	var mints, refused int
	for _, call := range srv.Calls() {
		if strings.HasSuffix(call.Path, "/results") {
			mints++
		}
		if call.Header.Get("Range") != "" && strings.Contains(call.Path, "/files/") {
			refused++
		}
	}
	if mints != 2 {
		t.Errorf("locations minted = %d, want 2 (first, then after 403)", mints)
	}
	if refused != 2 {
		t.Errorf("resume tries = %d, want 2 (refused, then fresh link)", refused)
	}
}

func TestDownloadForbiddenWithoutExportIDFails(t *testing.T) {
	t.Parallel()
	srv := clienttest.NewServer(t, testKey)
	c, _ := newClient(t, srv)

	var buf fileBuf
	_, err := c.Download(t.Context(), client.DownloadParams{
		Location: srv.URL + "/files/exp-1?sig=99", Dst: &buf})
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusForbidden {
		t.Fatalf("err = %v, want a 403 APIError", err)
	}
}

func TestDownloadErrorHidesSignature(t *testing.T) {
	t.Parallel()
	srv := clienttest.NewServer(t, testKey)
	c, _ := newClient(t, srv)
	srv.Close()

	var buf fileBuf
	_, err := c.Download(t.Context(), client.DownloadParams{
		Location: srv.URL + "/files/exp-1?sig=s3cr3t", Dst: &buf})
	if err == nil {
		t.Fatal("Download from a closed server succeeded")
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("error %q shows the signature", err)
	}
}

// fileBuf is an in-memory io.WriterAt.
type fileBuf struct{ b []byte }

func (f *fileBuf) WriteAt(p []byte, off int64) (int, error) {
	if end := int(off) + len(p); end > len(f.b) {
		f.b = append(f.b, make([]byte, end-len(f.b))...)
	}
	return copy(f.b[off:], p), nil
}
