package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/backstory-dev/backstory/internal/capture"
	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/export"
	"github.com/backstory-dev/backstory/internal/httpapi"
	"github.com/backstory-dev/backstory/internal/store/duckdb"
)

// The orgs of a bench database: the data set lives in dataOrg; the
// ingest measurement writes into ingestOrg, so the data set stays
// exactly what the generator made.
const (
	dataOrg   = event.OrgID("o-bench")
	ingestOrg = event.OrgID("o-bench-ingest")
)

// server is the real stack, wired as `backstory serve` wires it, on a
// loopback listener.
type server struct {
	db      *duckdb.DB
	exports *export.Service
	api     *httpapi.Server
	http    *http.Server
	url     string
	dir     string

	adminKey  string // admin of dataOrg: previews and exports
	ingestKey string // standard key of ingestOrg: v2 batches

	client *http.Client
	stop   context.CancelFunc
	done   chan struct{}
	closed bool
}

func startServer(ctx context.Context, cfg Config) (*server, error) {
	if err := os.MkdirAll(cfg.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	db, err := duckdb.Open(ctx, duckdb.Options{
		Path:        filepath.Join(cfg.Dir, "backstory.duckdb"),
		MemoryLimit: cfg.MemoryLimit})
	if err != nil {
		return nil, err
	}
	s := &server{db: db, dir: cfg.Dir}
	if err := s.bootstrap(ctx); err != nil {
		db.Close()
		return nil, err
	}

	// The server's own log is kept quiet: the bench reports progress.
	log := slog.New(slog.DiscardHandler)
	secret := make([]byte, 32)
	rand.Read(secret)
	s.exports = &export.Service{Meta: db, Events: db, Log: log,
		Segments: &export.SegmentSource{Meta: db},
		Files:    export.Files{Dir: filepath.Join(cfg.Dir, "exports")}}
	// No RecLimit: every batch comes from one address, and the limiter
	// is there for abuse, not for load.
	s.api = &httpapi.Server{Meta: db, Jobs: db, People: db, Events: db,
		Preview: db, Exports: s.exports, Signer: export.Signer{Secret: secret},
		Capture: &capture.Service{People: db, Events: db, Log: log},
		Log:     log}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("listen: %w", err)
	}
	s.url = "http://" + ln.Addr().String()
	s.api.BaseURL = s.url
	s.http = &http.Server{Handler: s.api.Handler(),
		ReadHeaderTimeout: 10 * time.Second}
	go s.http.Serve(ln)

	work, stop := context.WithCancel(context.WithoutCancel(ctx))
	s.stop, s.done = stop, make(chan struct{})
	go func() { s.exports.Run(work); close(s.done) }()

	s.client = &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: 64, DisableCompression: true}}
	return s, nil
}

// bootstrap creates both orgs and their keys, once per database.
func (s *server) bootstrap(ctx context.Context) error {
	s.adminKey = "bsk_bench_admin_" + string(dataOrg)
	s.ingestKey = "bsk_bench_ingest_" + string(ingestOrg)
	orgs, err := s.db.Orgs(ctx)
	if err != nil {
		return err
	}
	if len(orgs) > 0 {
		return nil
	}
	keys := []struct {
		org  event.OrgID
		key  string
		role event.Role
	}{{dataOrg, s.adminKey, event.RoleAdmin},
		{ingestOrg, s.ingestKey, event.RoleStandard}}
	for _, k := range keys {
		if err := s.db.CreateOrg(ctx, k.org, string(k.org), dataEnd); err != nil {
			return err
		}
		err := s.db.CreateKey(ctx, event.APIKey{ID: httpapi.KeyID(k.key),
			OrgID: k.org, Role: k.role, Name: "bench",
			Hash: httpapi.HashKey(k.key), Created: dataEnd})
		if err != nil {
			return err
		}
	}
	return nil
}

// close stops the stack and closes the database; later calls do nothing.
func (s *server) close() {
	if s.closed {
		return
	}
	s.closed = true
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.http.Shutdown(shut)
	s.stop()
	<-s.done
	s.db.Close()
}

// call sends a JSON request with key and decodes a 200 answer into out.
func (s *server) call(ctx context.Context, key, method, path string, body, out any) error {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.url+path, rd)
	if err != nil {
		return err
	}
	if key != "" {
		req.Header.Set("Authorization", "Basic "+key)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return &statusError{status: resp.StatusCode, text: fmt.Sprintf("%s %s: HTTP %d: %s",
			method, path, resp.StatusCode, bytes.TrimSpace(raw))}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
	}
	return nil
}

// errStop ends a generator early; it is not a failure.
var errStop = errors.New("enough")

// randomHex makes a short random suffix for file names.
func randomHex() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// statusError is an answer other than 200.
type statusError struct {
	status int
	text   string
}

func (e *statusError) Error() string { return e.text }

// retryLater reports whether err is a 503, which asks for the same
// request again shortly.
func retryLater(err error) bool {
	var se *statusError
	return errors.As(err, &se) && se.status == http.StatusServiceUnavailable
}
