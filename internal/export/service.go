package export

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
)

// Retention is how long a finished export's file is kept.
const Retention = 7 * 24 * time.Hour

// maxAttempts bounds how often an export is retried after the process
// running it died; then it fails with a reason instead of looping.
const maxAttempts = 3

// leaseFor is how long a worker owns an export between heartbeats.
const leaseFor = time.Minute

// Service accepts exports and runs them.
type Service struct {
	Meta     store.Meta
	Events   store.Events
	Segments *SegmentSource
	Files    Files
	Log      *slog.Logger
	Now      func() time.Time
	// WebhookKey signs webhook notices (HMAC-SHA256 of the body).
	WebhookKey []byte

	// wake is signalled when an export is queued, so the worker starts it
	// without waiting for its next poll.
	wake chan struct{}
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// newID makes an opaque random id.
func newID() string {
	var b [12]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Create validates req against the org's data and queues it. Problems
// that can be seen now (unknown segment, unknown field) are errors here,
// not failed operations later.
func (s *Service) Create(ctx context.Context, org event.OrgID, req Request) (event.Operation, error) {
	if _, err := s.Segments.Compile(ctx, org, req); err != nil {
		return event.Operation{}, err
	}
	if _, err := resolveFields(ctx, s.Events, org, req.Type, req.Fields); err != nil {
		return event.Operation{}, err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return event.Operation{}, err
	}
	op := event.Operation{ID: newID(), OrgID: org, Type: event.OpTypeExport,
		State: event.OpPending, Request: body, Created: s.now()}
	if err := s.Meta.CreateOperation(ctx, op); err != nil {
		return op, err
	}
	s.Log.InfoContext(ctx, "export queued", "operation_id", op.ID,
		"type", req.Type, "format", req.Format, "segment", req.SegmentID)
	s.signal()
	return op, nil
}

func (s *Service) signal() {
	if s.wake == nil {
		return
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Cancel stops a pending export.
func (s *Service) Cancel(ctx context.Context, org event.OrgID, id string) (event.Operation, error) {
	op, err := s.Meta.Operation(ctx, org, id)
	if err != nil {
		return op, err
	}
	if op.State != event.OpPending {
		return op, event.Errorf(event.CodeConflict,
			"operation %s is %s; only a pending one can be cancelled", id, op.State)
	}
	op.State, op.Finished, op.Error = event.OpCancelled, s.now(), "cancelled by request"
	if _, err := s.Meta.UpdateOperation(ctx, op, true); err != nil {
		return op, err
	}
	return s.Meta.Operation(ctx, org, id)
}

// Run works through queued exports until ctx ends. Exports left pending
// by a process that died are picked up again when their lease lapses.
func (s *Service) Run(ctx context.Context) {
	if s.wake == nil {
		s.wake = make(chan struct{}, 1)
	}
	sweep := time.NewTicker(time.Hour)
	defer sweep.Stop()
	s.Sweep(ctx)
	for {
		for s.runOne(ctx) {
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-time.After(2 * time.Second):
		case <-sweep.C:
			s.Sweep(ctx)
		}
	}
}

// runOne claims and runs one export; it reports whether there was one.
func (s *Service) runOne(ctx context.Context) bool {
	now := s.now()
	op, err := s.Meta.ClaimOperation(ctx, now, now.Add(leaseFor))
	if errors.Is(err, store.ErrNotFound) {
		return false
	}
	if err != nil {
		s.Log.ErrorContext(ctx, "claim export", "err", err)
		return false
	}
	log := s.Log.With("operation_id", op.ID)
	if op.Attempts > maxAttempts {
		s.finish(ctx, op, 0, event.Errorf(event.CodeInternal, "the export was "+
			"interrupted %d times (the server stopped while it ran); create it again",
			maxAttempts))
		return true
	}
	start := time.Now()
	res, err := s.run(ctx, &op)
	if ctx.Err() != nil {
		// Shutting down: leave it pending for the next start.
		log.InfoContext(ctx, "export interrupted by shutdown")
		return false
	}
	state := s.finish(ctx, op, res, err)
	log.InfoContext(ctx, "export finished", "state", state, "rows", res,
		"took_ms", time.Since(start).Milliseconds())
	return true
}

// finish records an export's outcome, unless it was cancelled meanwhile,
// and returns the state it recorded.
func (s *Service) finish(ctx context.Context, op event.Operation, rows int64, err error) event.OpState {
	op.Finished = s.now()
	op.LeaseUntil = time.Time{}
	if err != nil {
		op.State, op.Error, op.Pct, op.Rows = event.OpFailed, userMessage(err), 0, 0
		s.Files.Remove(op.ID)
		s.Log.WarnContext(ctx, "export failed", "operation_id", op.ID, "err", err)
	} else {
		op.State, op.Pct, op.Rows = event.OpCompleted, 100, rows
		op.ExportID, op.Expires = op.ID, op.Finished.Add(Retention)
	}
	ok, uerr := s.Meta.UpdateOperation(context.WithoutCancel(ctx), op, true)
	if uerr != nil {
		s.Log.ErrorContext(ctx, "record export outcome", "operation_id", op.ID, "err", uerr)
		return op.State
	}
	if !ok {
		// Cancelled while running: the file must not outlive the cancel.
		s.Files.Remove(op.ID)
		return event.OpCancelled
	}
	s.notify(ctx, op)
	return op.State
}

// userMessage is the errorDetails of a failed export: the user-facing
// message when there is one, a generic sentence otherwise.
func userMessage(err error) string {
	var e *event.Error
	if errors.As(err, &e) {
		return e.Message
	}
	if store.IsOutOfMemory(err) {
		return "the server ran short of memory for this export (other work " +
			"may have held it); create it again, and if it keeps failing, ask " +
			"the operator to raise serve's --memory-limit"
	}
	// Other errors come from the machinery; say so without hiding them.
	return "the export failed on the server (" + err.Error() + "); " +
		"create it again, and tell the operator if it keeps failing"
}

// Sweep deletes expired export files and marks their operations EXPIRED.
func (s *Service) Sweep(ctx context.Context) {
	ops, err := s.Meta.ExpiredExports(ctx, s.now())
	if err != nil {
		s.Log.ErrorContext(ctx, "list expired exports", "err", err)
		return
	}
	for _, op := range ops {
		if err := s.Files.Remove(op.ExportID); err != nil {
			s.Log.ErrorContext(ctx, "remove expired export", "operation_id", op.ID, "err", err)
			continue
		}
		op.State = event.OpExpired
		if _, err := s.Meta.UpdateOperation(ctx, op, false); err != nil {
			s.Log.ErrorContext(ctx, "expire export", "operation_id", op.ID, "err", err)
		}
	}
	if len(ops) > 0 {
		s.Log.InfoContext(ctx, "expired exports removed", "count", len(ops))
	}
}

// decodeRequest reads an operation's stored request.
func decodeRequest(op event.Operation) (Request, error) {
	var r Request
	d := json.NewDecoder(bytes.NewReader(op.Request))
	if err := d.Decode(&r); err != nil {
		return r, fmt.Errorf("decode stored request: %w", err)
	}
	return r, nil
}
