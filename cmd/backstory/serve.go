package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/time/rate"

	"github.com/backstory-dev/backstory/internal/capture"
	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/export"
	"github.com/backstory-dev/backstory/internal/geoip"
	"github.com/backstory-dev/backstory/internal/httpapi"
	"github.com/backstory-dev/backstory/internal/recorder"
	"github.com/backstory-dev/backstory/internal/store/duckdb"
)

// serveConfig is the server's configuration: flags, with BACKSTORY_*
// environment variables as their defaults.
type serveConfig struct {
	Data        string // data folder; default ./backstory-data
	Addr        string // listen address; default 127.0.0.1:8080
	BaseURL     string // public URL; default http(s)://Addr
	Demo        bool   // load the demo shop on first start
	TLSCert     string
	TLSKey      string
	MemoryLimit string // DuckDB memory cap, e.g. 1GB
	LogLevel    string
	GeoIP       string  // MaxMind-format database file; "" places no one
	IPMode      string  // full (default), truncate or none
	KeyRate     float64 // API calls per second per key; 0 is no limit
}

func newServeCmd() *cobra.Command {
	var c serveConfig
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the server on the embedded store in a data folder",
		Long: `Run the Backstory server: capture endpoints, the export API and
the export worker, on a DuckDB database in the data folder.

On first start it creates an org and an admin key. The key is taken from
BACKSTORY_ADMIN_KEY when set; otherwise a new one is printed once.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd.Context(), c)
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.Data, "data", envOr("BACKSTORY_DATA", "./backstory-data"), "data folder (env BACKSTORY_DATA)")
	f.StringVar(&c.Addr, "addr", envOr("BACKSTORY_ADDR", "127.0.0.1:8080"), "listen address (env BACKSTORY_ADDR)")
	f.StringVar(&c.BaseURL, "base-url", envOr("BACKSTORY_BASE_URL", ""), "public URL of this server, for links (env BACKSTORY_BASE_URL; default from --addr)")
	f.BoolVar(&c.Demo, "demo", envOr("BACKSTORY_DEMO", "") == "true", "load the demo fruit shop data on first start and serve the shop at /demo/shop/ (env BACKSTORY_DEMO=true)")
	f.StringVar(&c.TLSCert, "tls-cert", envOr("BACKSTORY_TLS_CERT", ""), "TLS certificate file (PEM); serves HTTPS with --tls-key")
	f.StringVar(&c.TLSKey, "tls-key", envOr("BACKSTORY_TLS_KEY", ""), "TLS private key file (PEM)")
	f.StringVar(&c.MemoryLimit, "memory-limit", envOr("BACKSTORY_MEMORY_LIMIT", "256MB"), "DuckDB memory limit; past it the engine spills to disk (env BACKSTORY_MEMORY_LIMIT)")
	f.StringVar(&c.LogLevel, "log-level", envOr("BACKSTORY_LOG_LEVEL", "info"), "debug, info, warn or error")
	f.StringVar(&c.GeoIP, "geoip", envOr("BACKSTORY_GEOIP", ""), "MaxMind-format city database (.mmdb) that places browser visitors by IP (env BACKSTORY_GEOIP)")
	f.Float64Var(&c.KeyRate, "key-rate", envFloat("BACKSTORY_KEY_RATE", 200), "API calls per second allowed per key, with bursts of twice that; 0 is no limit (env BACKSTORY_KEY_RATE)")
	f.StringVar(&c.IPMode, "ip-mode", envOr("BACKSTORY_IP_MODE", "full"), "how much of a browser visitor's IP to store: full, truncate (/24, /48) or none (env BACKSTORY_IP_MODE)")
	return cmd
}

func serve(ctx context.Context, c serveConfig) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("--tls-cert and --tls-key go together: give both or neither")
	}
	if err := checkMemoryLimit(c.MemoryLimit); err != nil {
		return err
	}
	rec, err := captureService(c, log)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(c.Data, 0o750); err != nil {
		return fmt.Errorf("create data folder: %w", err)
	}
	db, err := duckdb.Open(ctx, duckdb.Options{Path: filepath.Join(c.Data, "backstory.duckdb"),
		MemoryLimit: c.MemoryLimit, Logger: log})
	if err != nil {
		return fmt.Errorf("%w (is another backstory serve using %s?)", err, c.Data)
	}
	defer db.Close()
	secret, err := loadSecret(filepath.Join(c.Data, "secret.key"))
	if err != nil {
		return err
	}
	org, err := bootstrap(ctx, db, log)
	if err != nil {
		return err
	}
	if c.Demo {
		if err := loadDemo(ctx, db, org, log); err != nil {
			return err
		}
	}

	scheme := "http"
	if c.TLSCert != "" {
		scheme = "https"
	}
	base := c.BaseURL
	if base == "" {
		base = scheme + "://" + c.Addr
	}
	rec.People, rec.Events = db, db
	exports := &export.Service{Meta: db, Events: db, Log: log,
		Segments:   &export.SegmentSource{Meta: db},
		Files:      export.Files{Dir: filepath.Join(c.Data, "exports")},
		WebhookKey: secret}
	api := &httpapi.Server{Meta: db, Jobs: db, People: db, Events: db, Preview: db,
		Capture:  rec,
		Exports:  exports,
		Signer:   export.Signer{Secret: secret},
		Log:      log,
		BaseURL:  base,
		RecLimit: &httpapi.RecLimiter{Rate: rate.Limit(50), Burst: 200},
		KeyLimit: &httpapi.KeyLimiter{Rate: rate.Limit(c.KeyRate), Burst: max(1, int(2*c.KeyRate))},
	}
	if c.Demo {
		api.DemoShopOrg = org
		log.Info("demo shop", "url", base+recorder.ShopPath)
	}

	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.Addr, err)
	}
	srv := &http.Server{Handler: api.Handler(), ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	workCtx, stopWork := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { exports.Run(workCtx); close(done) }()

	errc := make(chan error, 1)
	go func() {
		if c.TLSCert != "" {
			errc <- srv.ServeTLS(ln, c.TLSCert, c.TLSKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	log.Info("backstory serving", "addr", ln.Addr().String(), "url", base,
		"data", c.Data, "org_id", string(org))
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shut, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	srv.Shutdown(shut)
	stopWork()
	<-done
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// loadSecret reads the server's signing secret, creating it on first use.
func loadSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil && len(b) >= 32 {
		return b, nil
	}
	b = make([]byte, 32)
	rand.Read(b)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("write signing secret: %w", err)
	}
	return b, nil
}

// bootstrap creates the first org and its admin key on an empty store.
func bootstrap(ctx context.Context, db *duckdb.DB, log *slog.Logger) (event.OrgID, error) {
	orgs, err := db.Orgs(ctx)
	if err != nil {
		return "", err
	}
	if len(orgs) > 0 {
		return orgs[0], ensureEnvKey(ctx, db, orgs[0])
	}
	var b [6]byte
	rand.Read(b[:])
	org := event.OrgID("o-" + hex.EncodeToString(b[:]))
	if err := db.CreateOrg(ctx, org, "Default", time.Now()); err != nil {
		return "", err
	}
	key := os.Getenv("BACKSTORY_ADMIN_KEY")
	generated := key == ""
	if generated {
		key = newKeySecret()
	}
	if err := createKey(ctx, db, org, key, event.RoleAdmin, "admin (first start)"); err != nil {
		return "", err
	}
	log.Info("created org and admin key", "org_id", string(org))
	if generated {
		// Printed once, to the terminal, never logged.
		fmt.Fprintf(os.Stderr, "\nAdmin API key (shown once; keep it):\n\n  %s\n\n", key)
	}
	return org, nil
}

// ensureEnvKey makes BACKSTORY_ADMIN_KEY work on a store that already
// exists, so a container restarted with a key set can use it.
func ensureEnvKey(ctx context.Context, db *duckdb.DB, org event.OrgID) error {
	key := os.Getenv("BACKSTORY_ADMIN_KEY")
	if key == "" {
		return nil
	}
	if _, err := db.KeyByID(ctx, httpapi.KeyID(key)); err == nil {
		return nil
	}
	return createKey(ctx, db, org, key, event.RoleAdmin, "admin (BACKSTORY_ADMIN_KEY)")
}

func newKeySecret() string {
	var b [24]byte
	rand.Read(b[:])
	return "bsk_" + hex.EncodeToString(b[:])
}

func createKey(ctx context.Context, db *duckdb.DB, org event.OrgID, key string, role event.Role, name string) error {
	last := key
	if len(last) > 4 {
		last = last[len(last)-4:]
	}
	return db.CreateKey(ctx, event.APIKey{ID: httpapi.KeyID(key), OrgID: org,
		Role: role, Name: name, Hash: httpapi.HashKey(key), LastFour: last,
		Created: time.Now()})
}

// captureService configures browser enrichment: the IP mode and, with
// --geoip, the database that places visitors. The file stays open for
// the life of the process.
func captureService(c serveConfig, log *slog.Logger) (*capture.Service, error) {
	mode, err := capture.ParseIPMode(c.IPMode)
	if err != nil {
		return nil, fmt.Errorf("--ip-mode: %w", err)
	}
	s := &capture.Service{Log: log, IPMode: mode}
	if c.GeoIP == "" {
		return s, nil
	}
	geo, err := geoip.Open(c.GeoIP)
	if err != nil {
		return nil, fmt.Errorf("--geoip: %w", err)
	}
	log.Info("geoip database open", "type", geo.Type(), "path", c.GeoIP)
	s.Geo = geo
	return s, nil
}

// minMemoryLimit is the least --memory-limit serve takes: the least at
// which everything measured here worked. At 64MB previews and event
// exports over 10 million events still ran, but loading the demo store
// failed to commit, and an individuals export of 10 million events needs
// 128MB.
const minMemoryLimit = 128_000_000

func checkMemoryLimit(s string) error {
	n, err := duckdb.ParseMemoryLimit(s)
	if err != nil {
		return fmt.Errorf("--memory-limit: %w", err)
	}
	if n < minMemoryLimit {
		return fmt.Errorf("--memory-limit %s is below 128MB, too little for DuckDB to "+
			"load, preview and export reliably; the default is 256MB", s)
	}
	return nil
}
