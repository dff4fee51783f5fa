// Package e2e drives the real HTTP stack on a real DuckDB store: ingest,
// segment, export in three steps, download, and check the file.
package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/backstory-dev/backstory/internal/capture"
	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/export"
	"github.com/backstory-dev/backstory/internal/httpapi"
	"github.com/backstory-dev/backstory/internal/store/duckdb"
)

const (
	testOrg  = event.OrgID("o-test")
	adminKey = "bsk_test_admin_key"
	stdKey   = "bsk_test_standard_key"
)

// clock is a settable server clock. Set to the zero time, it follows
// the real clock (for tests whose client is a real browser).
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		return time.Now()
	}
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// env is one running server.
type env struct {
	t       *testing.T
	srv     *httptest.Server
	db      *duckdb.DB
	clock   *clock
	exports *export.Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	db, err := duckdb.Open(ctx, duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)}
	log := slog.New(slog.DiscardHandler)
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if err := db.CreateOrg(ctx, testOrg, "Test", clk.Now()); err != nil {
		t.Fatal(err)
	}
	for key, role := range map[string]event.Role{adminKey: event.RoleAdmin, stdKey: event.RoleStandard} {
		err := db.CreateKey(ctx, event.APIKey{ID: httpapi.KeyID(key), OrgID: testOrg,
			Role: role, Hash: httpapi.HashKey(key), Created: clk.Now()})
		if err != nil {
			t.Fatal(err)
		}
	}
	secret := []byte("0123456789abcdef0123456789abcdef")
	exports := &export.Service{Meta: db, Events: db, Log: log, Now: clk.Now,
		Segments: &export.SegmentSource{Meta: db},
		Files:    export.Files{Dir: t.TempDir()}}
	api := &httpapi.Server{Meta: db, Jobs: db, People: db, Events: db, Preview: db,
		Capture: &capture.Service{People: db, Events: db, Log: log, Now: clk.Now},
		Exports: exports, Signer: export.Signer{Secret: secret}, Log: log, Now: clk.Now,
		DemoShopOrg: testOrg}
	srv := httptest.NewServer(api.Handler())
	api.BaseURL = srv.URL
	done := make(chan struct{})
	go func() { exports.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		<-done
		srv.Close()
		db.Close()
	})
	return &env{t: t, srv: srv, db: db, clock: clk, exports: exports}
}

// call sends a JSON request with the admin key and decodes the answer.
func (e *env) call(method, path string, body any, out any) int {
	e.t.Helper()
	return e.callKey(adminKey, method, path, body, out)
}

func (e *env) callKey(key, method, path string, body any, out any) int {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Basic "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode
}

// exportFile runs the three steps and returns the downloaded bytes,
// decompressed when gzipped, and the download's response.
func (e *env) exportFile(req map[string]any) ([]byte, *http.Response) {
	e.t.Helper()
	body, resp := e.rawExport(req)
	if len(body) >= 2 && body[0] == 0x1f && body[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			e.t.Fatal(err)
		}
		zr.Multistream(false)
		plain, err := io.ReadAll(zr)
		if err != nil {
			e.t.Fatal(err)
		}
		return plain, resp
	}
	return body, resp
}

// rawExport runs the three steps and returns the bytes as downloaded.
func (e *env) rawExport(req map[string]any) ([]byte, *http.Response) {
	e.t.Helper()
	var created struct{ OperationID string }
	var errBody map[string]any
	if code := e.call("POST", "/segments/v1/exports", req, &created); code != 200 {
		e.call("POST", "/segments/v1/exports", req, &errBody)
		e.t.Fatalf("create export: HTTP %d %v", code, errBody)
	}
	op := e.waitOp(created.OperationID)
	if op.State != "COMPLETED" {
		e.t.Fatalf("export %s: %s", op.State, op.ErrorDetails)
	}
	var res struct{ Location, Expires string }
	if code := e.call("GET", "/search/v1/exports/"+op.Results.SearchExportID+"/results", nil, &res); code != 200 {
		e.t.Fatalf("results: HTTP %d", code)
	}
	tr := &http.Transport{DisableCompression: true}
	resp, err := (&http.Client{Transport: tr}).Get(res.Location)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		e.t.Fatalf("download: HTTP %d %s", resp.StatusCode, body)
	}
	return body, resp
}

type operation struct {
	ID                  string
	State               string
	EstimatePctComplete int
	ErrorDetails        string
	Results             struct{ SearchExportID, Expires string }
}

// waitOp polls an operation until it leaves PENDING.
func (e *env) waitOp(id string) operation {
	e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var op operation
		if code := e.call("GET", "/operations/v1/"+id, nil, &op); code != 200 {
			e.t.Fatalf("operation: HTTP %d", code)
		}
		if op.State != "PENDING" || time.Now().After(deadline) {
			return op
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// interruptedExport stores an export operation that the server was
// interrupted running three times, which the worker then fails for good.
func (e *env) interruptedExport(id string) {
	e.t.Helper()
	req, _ := json.Marshal(export.Request{SegmentID: "everyone", Type: export.TypeEvent,
		Format: "FORMAT_CSV", Compression: "COMPRESSION_GZIP", Scope: export.ScopeIndividual,
		Timezone: "UTC", Now: e.clock.Now()})
	op := event.Operation{ID: id, OrgID: testOrg, Type: event.OpTypeExport,
		State: event.OpPending, Request: req, Created: e.clock.Now(), Attempts: 3}
	if err := e.db.CreateOperation(context.Background(), op); err != nil {
		e.t.Fatal(err)
	}
}
