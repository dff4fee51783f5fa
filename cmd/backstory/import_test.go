package main

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backstory-dev/backstory/internal/client/clienttest"
)

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func gzipBytes(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestImportUploadsEachFile(t *testing.T) {
	srv := clienttest.NewServer(t, cliKey)
	srv.ImportAnswer = map[string]any{"imported": 2, "duplicates": 1,
		"ignoredColumns": []string{"Color"}}
	dir := t.TempDir()
	csv := []byte("EventStart,EventType,Color\n2024-05-01T10:00:00Z,click,red\n")
	ndjson := gzipBytes(t, []byte(`{"EventType":"click"}`+"\n"))
	a := writeFile(t, dir, "a.csv", csv)
	b := writeFile(t, dir, "b.ndjson.gz", ndjson)

	stdout, stderr, err := runCLI(t, "import", "--server", srv.URL, a, b)
	if err != nil {
		t.Fatalf("import: %v\nstderr: %s", err, stderr)
	}

	for _, want := range []string{
		a + ": 2 imported, 1 duplicates", a + ": ignored columns: Color",
		b + ": 2 imported, 1 duplicates",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}

	calls := srv.Calls()
	if len(calls) != 2 {
		t.Fatalf("calls = %d, want 2", len(calls))
	}
	for i, want := range [][]byte{csv, ndjson} {
		if !bytes.Equal(calls[i].Body, want) {
			t.Errorf("upload %d differs from the file's bytes", i+1)
		}
	}
}

func TestImportFailureNamesFile(t *testing.T) {
	srv := clienttest.NewServer(t, cliKey)
	srv.Intercept = func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.Contains(r.Header.Get("Content-Disposition"), "bad.json") {
			return false
		}
		clienttest.WriteError(w, http.StatusBadRequest, "invalid_argument",
			"line 1: not a JSON array or object")
		return true
	}
	dir := t.TempDir()
	good := writeFile(t, dir, "good.ndjson", []byte(`{"EventType":"click"}`+"\n"))
	bad := writeFile(t, dir, "bad.json", []byte("nope"))
	missing := filepath.Join(dir, "missing.csv")

	stdout, stderr, err := runCLI(t, "import", "-q", "--server", srv.URL,
		bad, missing, good)
	if err == nil || !strings.Contains(err.Error(), "2 of 3 files failed") ||
		!strings.Contains(err.Error(), bad) ||
		!strings.Contains(err.Error(), missing) {
		t.Fatalf("err = %v, want it to name both failed files", err)
	}
	if !strings.Contains(stderr, "not a JSON array or object") {
		t.Errorf("stderr lacks the server's message:\n%s", stderr)
	}
	if !strings.Contains(stdout, good+": 0 imported") {
		t.Errorf("the good file was not imported:\n%s", stdout)
	}
}
