// Package httpapi serves Backstory's HTTP API: the export flow, segments,
// operations and ingestion compatible with the hosted service's public
// API, plus our own endpoints. Every handler is scoped to the org of the
// caller's key.
package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/backstory-dev/backstory/internal/capture"
	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/export"
	"github.com/backstory-dev/backstory/internal/store"
)

// Server holds what the handlers need.
type Server struct {
	Meta    store.Meta
	Jobs    store.Jobs
	People  store.People
	Events  store.Events
	Preview store.Previewer
	Capture *capture.Service
	Exports *export.Service
	Signer  export.Signer
	Log     *slog.Logger
	Now     func() time.Time
	// BaseURL is the absolute URL clients reach this server at, for
	// download links and segment URLs.
	BaseURL string
	// LinkTTL is how long a download link lives; 5 minutes by default.
	LinkTTL time.Duration
	// RecLimit rate-limits the browser endpoint per IP; nil is no limit.
	RecLimit *RecLimiter
	// KeyLimit rate-limits API calls per key; nil is no limit.
	KeyLimit *KeyLimiter
	// DemoShopOrg, when set, serves the demo shop at /demo/shop/ with
	// the snippet of this org installed.
	DemoShopOrg event.OrgID
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Handler returns the routed handler.
func (s *Server) Handler() http.Handler {
	r := chi.NewRouter()
	r.Use(s.recoverer, s.logRequests)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, event.NotFound("no such endpoint: %s %s", r.Method, r.URL.Path))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, event.Errorf(event.CodeInvalid, "%s is not allowed on %s", r.Method, r.URL.Path))
	})

	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Get("/metrics", s.metrics)
	r.Get("/openapi.json", s.openapi)
	r.Get("/download/{id}", s.download)
	r.Post("/rec/events", s.recEvents)
	r.Options("/rec/events", s.recEvents)
	s.mountRecorder(r)
	s.mountUI(r)

	r.Group(func(r chi.Router) {
		r.Use(s.authenticate, s.limitKeys)
		r.Get("/me", s.me)
		r.Post("/keys/v1", s.createKey)

		// Ingestion: any role.
		r.Post("/v2/users", s.createUser)
		r.Get("/v2/users", s.listUsers)
		r.Delete("/v2/users", s.deleteUserByUID)
		r.Get("/v2/users/{id}", s.getUser)
		r.Post("/v2/users/{id}", s.updateUser)
		r.Delete("/v2/users/{id}", s.deleteUser)
		r.Post("/v2/events", s.createEvent)
		r.Post("/v2/users/batch", s.createBatch("users"))
		r.Post("/v2/events/batch", s.createBatch("events"))
		r.Get("/v2/{kind}/batch/{job}", s.getBatch)
		r.Get("/v2/{kind}/batch/{job}/imports", s.getBatchList("imports"))
		r.Get("/v2/{kind}/batch/{job}/errors", s.getBatchList("errors"))

		r.Group(func(r chi.Router) {
			r.Use(requireExport)
			r.Post("/import/v1/events", s.importEvents)
			r.Get("/segments/v1", s.listSegments)
			r.Post("/segments/v1", s.createSegment)
			r.Post("/segments/v1/preview", s.previewSegment)
			r.Post("/segments/v1/exports", s.createExport)
			r.Get("/segments/v1/{id}", s.getSegment)
			r.Put("/segments/v1/{id}", s.updateSegment)
			r.Delete("/segments/v1/{id}", s.deleteSegment)
			r.Get("/operations/v1", s.listOperations)
			r.Get("/operations/v1/{id}", s.getOperation)
			r.Post("/operations/v1/{id}/cancel", s.cancelOperation)
			r.Get("/search/v1/exports/{id}/results", s.exportResults)
		})
	})
	return r
}

// statusOf maps an error code to its HTTP status, in one place.
func statusOf(c event.Code) int {
	switch c {
	case event.CodeInvalid, event.CodeRequired:
		return http.StatusBadRequest
	case event.CodeUnauthorized:
		return http.StatusUnauthorized
	case event.CodeForbidden:
		return http.StatusForbidden
	case event.CodeNotFound:
		return http.StatusNotFound
	case event.CodeConflict:
		return http.StatusConflict
	case event.CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case event.CodeRateLimited:
		return http.StatusTooManyRequests
	case event.CodeUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// writeError answers with the JSON error body. Internal errors are logged
// by the caller and shown as a generic message.
//
// The store running short of memory is not a fault in the request: it is
// a 503 with Retry-After, so that clients send the same request again.
func writeError(w http.ResponseWriter, err error) {
	code := event.ErrorCode(err)
	msg := err.Error()
	if code == event.CodeInternal && store.IsOutOfMemory(err) {
		code = event.CodeUnavailable
		msg = "the server is short of memory for this request right now; " +
			"send it again shortly (if this keeps happening, the operator " +
			"can raise serve's --memory-limit)"
		w.Header().Set("Retry-After", "5")
	}
	if code == event.CodeInternal {
		msg = "internal error; the server log has the details"
	}
	if code == event.CodeRateLimited && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, statusOf(code), map[string]string{"message": msg, "code": string(code)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// fail logs an internal error once, then answers it.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if event.ErrorCode(err) == event.CodeInternal {
		s.Log.ErrorContext(r.Context(), "request failed", "method", r.Method,
			"path", r.URL.Path, "err", err)
	}
	writeError(w, err)
}

// maxBody caps request bodies; a larger one is a 413.
const maxBody = 1 << 20

// readBody reads a capped request body.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	body := http.MaxBytesReader(w, r.Body, limit)
	var buf []byte
	buf, err := readAll(body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, event.Errorf(event.CodeTooLarge,
			"the request body is over %d bytes", limit)
	}
	if err != nil {
		return nil, event.Invalid("read request body: %v", err)
	}
	return buf, nil
}

// decodeJSON reads a capped JSON body into v; type errors name the field.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := readBody(w, r, maxBody)
	if err != nil {
		return err
	}
	return unmarshal(body, v)
}

func unmarshal(body []byte, v any) error {
	return jsonError(json.Unmarshal(body, v))
}

// queryLimit reads the limit parameter: default 20, at most 100.
func queryLimit(r *http.Request) (int, error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return 20, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, event.Invalid("limit: want a whole number from 1 to 100")
	}
	return min(n, 100), nil
}

// rfc3339ms formats t as the API writes times: UTC, milliseconds.
func rfc3339ms(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Truncate(time.Millisecond).Format("2006-01-02T15:04:05.000Z07:00")
}
