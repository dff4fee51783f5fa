package client_test

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"testing"

	"github.com/backstory-dev/backstory/internal/client"
	"github.com/backstory-dev/backstory/internal/client/clienttest"
)

func TestImportPostsRawBytes(t *testing.T) {
	t.Parallel()
	srv := clienttest.NewServer(t, testKey)
	srv.ImportAnswer = map[string]any{"imported": 3, "duplicates": 1,
		"ignoredColumns": []string{"Color", "Size"}}
	c, _ := newClient(t, srv)

	data := []byte("EventStart,EventType\n2024-05-01T10:00:00Z,click\n")
	got, err := c.Import(t.Context(), bytes.NewReader(data),
		int64(len(data)), "events.csv")
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	want := client.ImportResult{Imported: 3, Duplicates: 1,
		IgnoredColumns: []string{"Color", "Size"}}
	if got.Imported != want.Imported || got.Duplicates != want.Duplicates ||
		!slices.Equal(got.IgnoredColumns, want.IgnoredColumns) {
		t.Errorf("result = %+v, want %+v", got, want)
	}

	call := srv.Calls()[0]
	if call.Method != http.MethodPost || call.Path != "/import/v1/events" {
		t.Errorf("call = %s %s, want POST /import/v1/events",
			call.Method, call.Path)
	}
	if !bytes.Equal(call.Body, data) {
		t.Errorf("body = %q, want the file's bytes %q", call.Body, data)
	}
	if ct := call.Header.Get("Content-Type"); ct != "application/octet-stream" {
		t.Errorf("Content-Type = %q, want application/octet-stream", ct)
	}
	cd := call.Header.Get("Content-Disposition")
	if cd != `attachment; filename=events.csv` {
		t.Errorf("Content-Disposition = %q, want the file name", cd)
	}
}

func TestImportRetriesWholeFile(t *testing.T) {
	t.Parallel()
	srv := clienttest.NewServer(t, testKey)
	srv.Intercept = failFirst(2, "/import/v1/events",
		http.StatusBadGateway, nil)
	c, rec := newClient(t, srv)

	data := bytes.Repeat([]byte(`{"EventType":"click"}`+"\n"), 5000)
	if _, err := c.Import(t.Context(), bytes.NewReader(data),
		int64(len(data)), "a.ndjson"); err != nil {
		t.Fatalf("Import: %v", err)
	}

	calls := srv.Calls()
	if len(calls) != 3 || len(rec.got()) != 2 {
		t.Fatalf("calls = %d, sleeps = %d; want 3 and 2",
			len(calls), len(rec.got()))
	}
	for i, call := range calls {
		if !bytes.Equal(call.Body, data) {
			t.Errorf("try %d sent %d bytes, want all %d",
				i+1, len(call.Body), len(data))
		}
	}
}

func TestImportOfStreamIsTriedOnce(t *testing.T) {
	t.Parallel()
	srv := clienttest.NewServer(t, testKey)
	srv.Intercept = failFirst(1, "/import/v1/events",
		http.StatusServiceUnavailable, nil)
	c, _ := newClient(t, srv)

	// A reader that cannot seek cannot be sent twice.
	r := struct{ io.Reader }{bytes.NewReader([]byte("[]"))}
	if _, err := c.Import(t.Context(), r, 2, "a.json"); err == nil {
		t.Fatal("Import succeeded, want the 503")
	}
	if n := len(srv.Calls()); n != 1 {
		t.Errorf("calls = %d, want 1", n)
	}
}
