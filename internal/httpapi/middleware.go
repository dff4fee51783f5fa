package httpapi

import (
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
)

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(p []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(p)
	s.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// logRequests logs each request's outcome at debug level, and counts it
// for the metrics endpoint. Keys and bodies are never logged.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		start := time.Now()
		next.ServeHTTP(rec, r)
		took := time.Since(start)
		requestsTotal.WithLabelValues(fmt.Sprint(rec.status)).Inc()
		requestSeconds.Observe(took.Seconds())
		s.Log.DebugContext(r.Context(), "request", "method", r.Method,
			"path", r.URL.Path, "status", rec.status, "bytes", rec.bytes,
			"took_ms", took.Milliseconds())
	})
}

// recoverer turns a handler panic into a 500 with the JSON body.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Log.ErrorContext(r.Context(), "handler panic", "path", r.URL.Path,
					"panic", fmt.Sprint(v))
				writeError(w, event.Errorf(event.CodeInternal, "internal error"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func readAll(r io.Reader) ([]byte, error) { return io.ReadAll(r) }
