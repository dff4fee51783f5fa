package client_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backstory-dev/backstory/internal/client"
	"github.com/backstory-dev/backstory/internal/client/clienttest"
)

const testKey = "bk_test_secret"

// sleeps records the waits a client asks for, without waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
}

func (s *sleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.d)
}

func newClient(t *testing.T, srv *clienttest.Server) (*client.Client, *sleeps) {
	t.Helper()
	rec := &sleeps{}
	return &client.Client{BaseURL: srv.URL, Key: testKey, Sleep: rec.sleep}, rec
}

// failFirst answers the first n calls to path with status and headers.
func failFirst(n int, path string, status int, header http.Header) func(
	http.ResponseWriter, *http.Request) bool {
	var mu sync.Mutex
	return func(w http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		defer mu.Unlock()
		if r.URL.Path != path || n == 0 {
			return false
		}
		n--
		for k, v := range header {
			w.Header()[k] = v
		}
		clienttest.WriteError(w, status, "x", "injected")
		return true
	}
}

func TestCreateExportSendsRequestWithKey(t *testing.T) {
	t.Parallel()
	srv := clienttest.NewServer(t, testKey)
	c, _ := newClient(t, srv)

	id, err := c.CreateExport(t.Context(), client.ExportRequest{
		SegmentID: "everyone", Type: client.TypeEvent,
		Format:    client.FormatCSV,
		TimeRange: &client.TimeRange{Start: "2024-05-01T00:00:00Z"},
	})
	if err != nil {
		t.Fatalf("CreateExport: %v", err)
	}
	if id != "op-1" {
		t.Errorf("operation id = %q, want op-1", id)
	}

	call := srv.Calls()[0]
	if got := call.Header.Get("Authorization"); got != "Basic "+testKey {
		t.Errorf("Authorization = %q, want the raw key after Basic", got)
	}
	body := string(call.Body)
	for _, want := range []string{`"segmentId":"everyone"`,
		`"type":"TYPE_EVENT"`, `"format":"FORMAT_CSV"`,
		`"timeRange":{"start":"2024-05-01T00:00:00Z","end":""}`} {
		if !strings.Contains(body, want) {
			t.Errorf("body %s lacks %s", body, want)
		}
	}
	if strings.Contains(body, "eventDetails") || strings.Contains(body, "fields") {
		t.Errorf("body %s sends empty optional fields", body)
	}
}

func TestTooManyRequestsHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	srv := clienttest.NewServer(t, testKey)
	srv.Intercept = failFirst(2, "/segments/v1/exports",
		http.StatusTooManyRequests, http.Header{"Retry-After": {"7"}})
	c, rec := newClient(t, srv)

	if _, err := c.CreateExport(t.Context(), client.ExportRequest{}); err != nil {
		t.Fatalf("CreateExport: %v", err)
	}
	want := []time.Duration{7 * time.Second, 7 * time.Second}
	if got := rec.got(); !slices.Equal(got, want) {
		t.Errorf("sleeps = %v, want %v", got, want)
	}
}

func TestServerErrorsRetryWithBackoff(t *testing.T) {
	t.Parallel()
	srv := clienttest.NewServer(t, testKey)
	srv.Intercept = failFirst(3, "/operations/v1/op-9",
		http.StatusServiceUnavailable, nil)
	c, rec := newClient(t, srv)

	op, err := c.Operation(t.Context(), "op-9")
	if err != nil {
		t.Fatalf("Operation: %v", err)
	}
	if op.State != client.StateCompleted {
		t.Errorf("state = %q, want COMPLETED", op.State)
	}

	got := rec.got()
	if len(got) != 3 {
		t.Fatalf("sleeps = %v, want 3", got)
	}
	for i, d := range got {
		full := 500 * time.Millisecond << i
		if d < full/2 || d > full {
			t.Errorf("sleep %d = %v, want within [%v, %v]", i, d, full/2, full)
		}
	}
}

func TestServerErrorsGiveUpAfterMaxTries(t *testing.T) {
	t.Parallel()
	srv := clienttest.NewServer(t, testKey)
	srv.Intercept = failFirst(100, "/operations/v1/op-1",
		http.StatusInternalServerError, nil)
	c, rec := newClient(t, srv)

	_, err := c.Operation(t.Context(), "op-1")
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 500 {
		t.Fatalf("err = %v, want an APIError of status 500", err)
	}
	if n := len(srv.Calls()); n != client.DefaultMaxTries {
		t.Errorf("calls = %d, want %d", n, client.DefaultMaxTries)
	}
	if n := len(rec.got()); n != client.DefaultMaxTries-1 {
		t.Errorf("sleeps = %d, want %d", n, client.DefaultMaxTries-1)
	}
}

func TestBadRequestFailsAtOnceWithServerMessage(t *testing.T) {
	t.Parallel()
	srv := clienttest.NewServer(t, testKey)
	srv.Intercept = func(w http.ResponseWriter, r *http.Request) bool {
		clienttest.WriteError(w, http.StatusBadRequest, "invalid_argument",
			`unknown field "Nope" in fields[2]`)
		return true
	}
	c, rec := newClient(t, srv)

	_, err := c.CreateExport(t.Context(), client.ExportRequest{})
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want an APIError", err)
	}
	want := client.APIError{Status: 400, Code: "invalid_argument",
		Message: `unknown field "Nope" in fields[2]`}
	if apiErr.Status != want.Status || apiErr.Code != want.Code ||
		apiErr.Message != want.Message {
		t.Errorf("error = %+v, want %+v", *apiErr, want)
	}
	if !strings.Contains(err.Error(), want.Message) {
		t.Errorf("message %q lacks the server's words", err)
	}
	if len(srv.Calls()) != 1 || len(rec.got()) != 0 {
		t.Errorf("calls = %d, sleeps = %d; want 1 call and no retry",
			len(srv.Calls()), len(rec.got()))
	}
}

func TestWrongKeyIsUnauthorized(t *testing.T) {
	t.Parallel()
	srv := clienttest.NewServer(t, testKey)
	c, _ := newClient(t, srv)
	c.Key = "wrong"

	_, err := c.Operation(t.Context(), "op-1")
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized {
		t.Fatalf("err = %v, want a 401 APIError", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("error %q shows the key", err)
	}
}

func TestUnreachableServerRetriesThenFails(t *testing.T) {
	t.Parallel()
	srv := clienttest.NewServer(t, testKey)
	c, rec := newClient(t, srv)
	srv.Close()

	_, err := c.Operation(t.Context(), "op-1")
	if err == nil {
		t.Fatal("Operation on a closed server succeeded")
	}
	if n := len(rec.got()); n != client.DefaultMaxTries-1 {
		t.Errorf("sleeps = %d, want %d", n, client.DefaultMaxTries-1)
	}
}

func TestWaitPollsUntilCompleted(t *testing.T) {
	t.Parallel()
	srv := clienttest.NewServer(t, testKey)
	srv.Pending = 3
	c, rec := newClient(t, srv)

	var pcts []int
	op, err := c.Wait(t.Context(), "op-1", 2*time.Second,
		func(op client.Operation) { pcts = append(pcts, op.EstimatePctComplete) })
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if op.Results == nil || op.Results.SearchExportID != "exp-op-1" {
		t.Errorf("results = %+v, want searchExportId exp-op-1", op.Results)
	}
	if want := []int{25, 50, 75, 100}; !slices.Equal(pcts, want) {
		t.Errorf("progress = %v, want %v", pcts, want)
	}
	want := []time.Duration{2 * time.Second, 2 * time.Second, 2 * time.Second}
	if got := rec.got(); !slices.Equal(got, want) {
		t.Errorf("sleeps = %v, want %v", got, want)
	}
}

func TestWaitReportsFailure(t *testing.T) {
	t.Parallel()
	srv := clienttest.NewServer(t, testKey)
	srv.FailDetails = "the segment no longer exists"
	c, _ := newClient(t, srv)

	_, err := c.Wait(t.Context(), "op-1", time.Second, nil)
	var opErr *client.OperationError
	if !errors.As(err, &opErr) {
		t.Fatalf("err = %v, want an OperationError", err)
	}
	if opErr.State != client.StateFailed || opErr.Details != srv.FailDetails {
		t.Errorf("error = %+v, want FAILED with the server's details", *opErr)
	}
}

func TestWaitStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	srv := clienttest.NewServer(t, testKey)
	srv.Pending = 1000
	ctx, cancel := context.WithCancel(t.Context())
	c := &client.Client{BaseURL: srv.URL, Key: testKey,
		Sleep: func(time.Duration) { cancel() }}

	_, err := c.Wait(ctx, "op-1", time.Second, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestExportResultsMintsLocation(t *testing.T) {
	t.Parallel()
	srv := clienttest.NewServer(t, testKey)
	c, _ := newClient(t, srv)

	loc, expires, err := c.ExportResults(t.Context(), "exp-1")
	if err != nil {
		t.Fatalf("ExportResults: %v", err)
	}
	if want := srv.URL + "/files/exp-1?sig=1"; loc != want {
		t.Errorf("location = %q, want %q", loc, want)
	}
	if expires.IsZero() {
		t.Error("expires is zero, want the server's time")
	}
}
