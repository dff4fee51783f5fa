// Package clienttest runs a stand-in for the export and import API, as
// the client sees it from outside, so client code can be tested without
// a real server: faults on request, recorded calls, no store behind.
package clienttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"
)

// Server answers the export flow and the import call as the API page
// documents them. Set its fields before the first request; read the
// recorded calls through its methods.
type Server struct {
	*httptest.Server

	// Key is the API key the server accepts, as Basic or Bearer.
	Key string

	// File is the export's file, served as is; Filename names it in
	// Content-Disposition when not empty.
	File     []byte
	Filename string

	// Pending is how many polls of an operation answer PENDING before it
	// ends. FailDetails, when set, makes it end FAILED with these words.
	Pending     int
	FailDetails string

	// CutAfter, when more than 0, makes the first download write this
	// many bytes of the body and then drop the connection.
	CutAfter int

	// ExpireOnCut makes every location minted before the cut answer 403
	// afterwards, as a signed link past its lifetime does.
	ExpireOnCut bool

	// ImportAnswer is the body of a successful import.
	ImportAnswer map[string]any

	// Intercept, when set, sees each request first; returning true means
	// it wrote the answer. Tests inject faults with it.
	Intercept func(w http.ResponseWriter, r *http.Request) bool

	mu       sync.Mutex
	calls    []Call
	exports  []map[string]any
	polls    map[string]int
	minted   int // signatures minted so far
	validMin int // the oldest signature still valid
	cut      bool
}

// Call is one request the server received.
type Call struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
}

// NewServer starts a server that accepts key; it stops when the test
// ends.
func NewServer(t interface{ Cleanup(func()) }, key string) *Server {
	s := &Server{Key: key, polls: map[string]int{},
		ImportAnswer: map[string]any{"imported": 0, "duplicates": 0,
			"ignoredColumns": []string{}}}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /segments/v1/exports", s.authed(s.createExport))
	mux.HandleFunc("GET /operations/v1/{id}", s.authed(s.operation))
	mux.HandleFunc("GET /search/v1/exports/{id}/results", s.authed(s.results))
	mux.HandleFunc("GET /files/{id}", s.file)
	mux.HandleFunc("POST /import/v1/events", s.authed(s.importEvents))
	s.Server = httptest.NewServer(s.record(mux))
	t.Cleanup(s.Close)
	return s
}

// Calls returns the requests received so far, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Exports returns the bodies of the export requests received so far.
func (s *Server) Exports() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.exports...)
}

func (s *Server) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))

		s.mu.Lock()
		s.calls = append(s.calls, Call{Method: r.Method, Path: r.URL.Path,
			Header: r.Header.Clone(), Body: body})
		s.mu.Unlock()

		if s.Intercept != nil && s.Intercept(w, r) {
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		if auth != "Basic "+s.Key && auth != "Bearer "+s.Key {
			WriteError(w, http.StatusUnauthorized, "unauthorized",
				"missing or unknown API key")
			return
		}
		h(w, r)
	}
}

func (s *Server) createExport(w http.ResponseWriter, r *http.Request) {
	var req map[string]any
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		WriteError(w, http.StatusBadRequest, "invalid_argument", "body is not JSON")
		return
	}

	s.mu.Lock()
	s.exports = append(s.exports, req)
	id := "op-" + strconv.Itoa(len(s.exports))
	s.mu.Unlock()
	writeJSON(w, map[string]any{"operationId": id})
}

func (s *Server) operation(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	s.polls[id]++
	n := s.polls[id]
	s.mu.Unlock()

	op := map[string]any{"id": id, "type": "SEARCH_EXPORT",
		"state": "PENDING", "estimatePctComplete": 0, "errorDetails": "",
		"createdAt": "2024-05-01T10:00:00.000Z", "finishedAt": "",
		"results": nil}
	switch {
	case n <= s.Pending:
		op["estimatePctComplete"] = 100 * n / (s.Pending + 1)
	case s.FailDetails != "":
		op["state"] = "FAILED"
		op["errorDetails"] = s.FailDetails
	default:
		op["state"] = "COMPLETED"
		op["estimatePctComplete"] = 100
		op["results"] = map[string]any{"searchExportId": "exp-" + id,
			"expires": "2024-05-08T10:00:00.000Z"}
	}
	writeJSON(w, op)
}

func (s *Server) results(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.minted++
	sig := s.minted
	s.mu.Unlock()

	loc := fmt.Sprintf("%s/files/%s?sig=%d", s.URL, r.PathValue("id"), sig)
	writeJSON(w, map[string]any{"location": loc,
		"expires": time.Now().Add(5 * time.Minute).UTC().Format(time.RFC3339)})
}

func (s *Server) file(w http.ResponseWriter, r *http.Request) {
	sig, _ := strconv.Atoi(r.URL.Query().Get("sig"))
	s.mu.Lock()
	valid := sig > 0 && sig <= s.minted && sig >= s.validMin
	cutNow := s.CutAfter > 0 && !s.cut
	if cutNow {
		s.cut = true
		if s.ExpireOnCut {
			s.validMin = s.minted + 1
		}
	}
	s.mu.Unlock()

	if !valid {
		WriteError(w, http.StatusForbidden, "forbidden",
			"the link has expired; ask for a fresh one")
		return
	}
	if cutNow {
		s.cutConnection(w)
		return
	}

	w.Header().Set("Content-Type", "application/gzip")
	w.Header().Set("ETag", `"export-v1"`)
	if s.Filename != "" {
		w.Header().Set("Content-Disposition",
			`attachment; filename="`+s.Filename+`"`)
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(s.File))
}

// cutConnection promises the whole file, sends the first CutAfter bytes,
// and closes the connection.
func (s *Server) cutConnection(w http.ResponseWriter) {
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/gzip\r\n"+
		"ETag: \"export-v1\"\r\nContent-Length: %d\r\n\r\n", len(s.File))
	buf.Write(s.File[:min(s.CutAfter, len(s.File))])
	buf.Flush()
}

func (s *Server) importEvents(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, s.ImportAnswer)
}

// WriteError writes the API's JSON error body with the given status.
func WriteError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"message": msg, "code": code})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
