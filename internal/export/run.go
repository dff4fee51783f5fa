package export

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/export/encode"
	"github.com/backstory-dev/backstory/internal/segment"
	"github.com/backstory-dev/backstory/internal/store"
)

// progressEvery is how many rows pass between progress updates, which
// also check for a cancel and renew the lease.
const progressEvery = 50_000

// run writes the export's file and returns its row count. Rows stream from
// the store through the encoder and compressor to disk.
func (s *Service) run(ctx context.Context, op *event.Operation) (int64, error) {
	req, err := decodeRequest(*op)
	if err != nil {
		return 0, err
	}
	q, err := s.query(ctx, op.OrgID, req)
	if err != nil {
		return 0, err
	}
	// The store counts the rows in the same snapshot it streams them from.
	var total atomic.Int64
	total.Store(-1)
	q.OnTotal = total.Store

	f, err := s.Files.Create(op.ID)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	counter := newCountingWriter(f)
	outer := encode.OuterCompression(req.Format, req.Compression)
	zw, err := encode.Compress(counter, outer)
	if err != nil {
		return 0, err
	}
	opt := encode.Options{BOM: req.BOM, EscapeFormulas: req.EscapeFormulas,
		Compression: req.Compression}
	if req.RenderTimezone != "" {
		if opt.Location, err = segment.LoadLocation(req.RenderTimezone); err != nil {
			return 0, err
		}
	}
	w, err := encode.NewWriter(zw, req.Format, encodeFields(q.Columns), opt)
	if err != nil {
		return 0, err
	}

	var rows int64
	write := func(row []any) error {
		if err := w.Write(row); err != nil {
			return fmt.Errorf("row %d: %w", rows+1, err)
		}
		rows++
		if rows%progressEvery == 0 {
			return s.progress(ctx, op, rows, total.Load())
		}
		return nil
	}
	// Rows come pointing into the store's buffers (see store.RowFunc) and
	// are encoded as they come; the event store reads its next window
	// meanwhile on a goroutine of its own.
	if req.Type == TypeIndividual {
		err = s.Events.ExportIndividuals(ctx, q, write)
	} else {
		err = s.Events.ExportEvents(ctx, q, write)
	}
	if err != nil {
		return rows, err
	}
	if err := w.Close(); err != nil {
		return rows, err
	}
	if err := zw.Close(); err != nil {
		return rows, err
	}
	if err := f.Sync(); err != nil {
		return rows, err
	}
	if n := total.Load(); rows != n {
		return rows, fmt.Errorf("wrote %d rows but the store counted %d", rows, n)
	}
	if err := s.Files.Publish(op.ID, counter.n); err != nil {
		return rows, err
	}
	op.Bytes, op.SHA256 = counter.n, counter.sum()
	op.FileName = fileName(req, op.Created) + encode.FileExtension(req.Format, outer)
	op.ContentType = encode.ContentType(req.Format, outer)
	return rows, nil
}

// progress records how far an export has got, renews its lease, and
// stops it if it was cancelled.
func (s *Service) progress(ctx context.Context, op *event.Operation, rows, total int64) error {
	if total > 0 {
		op.Pct = int(min(99, rows*100/total))
	}
	op.LeaseUntil = s.now().Add(leaseFor)
	ok, err := s.Meta.UpdateOperation(ctx, *op, true)
	if err != nil {
		return err
	}
	if !ok {
		return event.Errorf(event.CodeConflict, "the export was cancelled")
	}
	return nil
}

// query builds the store query of an export request.
func (s *Service) query(ctx context.Context, org event.OrgID, req Request) (store.ExportQuery, error) {
	seg, err := s.Segments.Compile(ctx, org, req)
	if err != nil {
		return store.ExportQuery{}, err
	}
	cols, err := resolveFields(ctx, s.Events, org, req.Type, req.Fields)
	if err != nil {
		return store.ExportQuery{}, err
	}
	q := store.ExportQuery{Org: org, People: seg.People, Start: req.Start,
		End: req.End, Columns: cols}
	if req.Type == TypeEvent && req.Scope != ScopeIndividual && seg.EventMatch.SQL != "" {
		q.EventFilter = scopeFilter(org, req.Scope, seg)
	}
	return q, nil
}

// scopeFilter narrows an event export to the events that matched an event
// criterion in the segment's window, or to their pages or sessions.
func scopeFilter(org event.OrgID, scope string, seg segment.Compiled) store.Query {
	var cond string
	var args []any
	if !seg.Start.IsZero() {
		cond += " AND e.event_start >= ?"
		args = append(args, seg.Start)
	}
	if !seg.End.IsZero() {
		cond += " AND e.event_start < ?"
		args = append(args, seg.End)
	}
	match := "(" + seg.EventMatch.SQL + ")" + cond
	margs := append(append([]any{}, seg.EventMatch.Args...), args...)
	if scope == ScopeEvent {
		return store.Query{SQL: match, Args: margs}
	}
	col := "page_id"
	if scope == ScopeSessions {
		col = "session_id"
	}
	sub := "e." + col + " IN (SELECT e." + col + " FROM events e WHERE e.org_id = ? AND " + match
	subArgs := append([]any{string(org)}, margs...)
	if seg.People.SQL != "" {
		sub += " AND e.indv_id IN (" + seg.People.SQL + ")"
		subArgs = append(subArgs, seg.People.Args...)
	}
	return store.Query{SQL: sub + ")", Args: subArgs}
}

// fileName is the download's name: the segment and the date.
func fileName(req Request, created time.Time) string {
	return "backstory-" + safeName(req.SegmentID) + "-" + created.UTC().Format("2006-01-02")
}

func safeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		ok := c == '-' || c == '_' || c >= '0' && c <= '9' ||
			c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !ok {
			b[i] = '_'
		}
	}
	if len(b) > 60 {
		b = b[:60]
	}
	return string(b)
}
