package export

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
	"github.com/backstory-dev/backstory/internal/store/duckdb"
)

// newTestService runs the export service on a real in-memory store, with
// a clock the test moves.
func newTestService(t *testing.T) (*Service, *duckdb.DB, *time.Time) {
	t.Helper()
	db, err := duckdb.Open(context.Background(), duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	s := &Service{Meta: db, Events: db, Log: slog.New(slog.DiscardHandler),
		Segments: &SegmentSource{Meta: db}, Files: Files{Dir: t.TempDir()},
		Now: func() time.Time { return now }}
	return s, db, &now
}

func queue(t *testing.T, s *Service, attempts int) event.Operation {
	t.Helper()
	req := Request{SegmentID: "everyone", Type: TypeEvent, Format: "FORMAT_CSV",
		Compression: "COMPRESSION_NONE", Now: s.now()}
	body, _ := json.Marshal(req)
	op := event.Operation{ID: newID(), OrgID: "o", Type: event.OpTypeExport,
		State: event.OpPending, Request: body, Created: s.now(), Attempts: attempts}
	if err := s.Meta.CreateOperation(context.Background(), op); err != nil {
		t.Fatal(err)
	}
	return op
}

// TestRestartResumesOrFails plays a process that died mid-export: its
// lease lapses, the next worker runs it again, and after too many
// interruptions it fails with a reason instead of staying pending.
func TestRestartResumesOrFails(t *testing.T) {
	ctx := context.Background()
	s, db, now := newTestService(t)
	resumed := queue(t, s, 1)
	doomed := queue(t, s, maxAttempts)
	// Both were leased by a worker that died.
	for _, op := range []event.Operation{resumed, doomed} {
		op.LeaseUntil = now.Add(leaseFor)
		db.UpdateOperation(ctx, op, true)
	}
	if s.runOne(ctx) {
		t.Fatal("a worker took an export whose lease has not lapsed")
	}
	*now = now.Add(2 * leaseFor)
	for s.runOne(ctx) {
	}
	got, _ := db.Operation(ctx, "o", resumed.ID)
	if got.State != event.OpCompleted || got.Pct != 100 {
		t.Errorf("resumed export: %s %d%%, want COMPLETED 100%%", got.State, got.Pct)
	}
	got, _ = db.Operation(ctx, "o", doomed.ID)
	if got.State != event.OpFailed || got.Error == "" {
		t.Errorf("interrupted export: %s %q, want FAILED with a reason", got.State, got.Error)
	}
	if _, err := os.Stat(filepath.Join(s.Files.Dir, doomed.ID)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed export left a file: %v", err)
	}
}

// TestSweepExpiresFiles checks that files go 7 days after completion.
func TestSweepExpiresFiles(t *testing.T) {
	ctx := context.Background()
	s, db, now := newTestService(t)
	op := queue(t, s, 0)
	s.runOne(ctx)
	path := filepath.Join(s.Files.Dir, op.ID)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no file after completion: %v", err)
	}
	*now = now.Add(Retention - time.Minute)
	s.Sweep(ctx)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("file removed before expiry: %v", err)
	}
	*now = now.Add(2 * time.Minute)
	s.Sweep(ctx)
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("file still there after expiry: %v", err)
	}
	got, _ := db.Operation(ctx, "o", op.ID)
	if got.State != event.OpExpired {
		t.Errorf("state = %s, want EXPIRED", got.State)
	}
}

// TestCancel checks that a cancelled export is never completed.
func TestCancel(t *testing.T) {
	ctx := context.Background()
	s, db, _ := newTestService(t)
	op := queue(t, s, 0)
	if _, err := s.Cancel(ctx, "o", op.ID); err != nil {
		t.Fatal(err)
	}
	if s.runOne(ctx) {
		t.Error("the worker ran a cancelled export")
	}
	got, _ := db.Operation(ctx, "o", op.ID)
	if got.State != event.OpCancelled {
		t.Errorf("state = %s, want CANCELLED", got.State)
	}
	if _, err := s.Cancel(ctx, "o", op.ID); event.ErrorCode(err) != event.CodeConflict {
		t.Errorf("second cancel: %v, want a conflict", err)
	}
	var _ store.Meta = db
}
