package client

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// The values of ExportRequest.Type.
const (
	TypeEvent      = "TYPE_EVENT"
	TypeIndividual = "TYPE_INDIVIDUAL"
)

// The values of ExportRequest.Format; Parquet is Backstory's own.
const (
	FormatCSV     = "FORMAT_CSV"
	FormatJSON    = "FORMAT_JSON"
	FormatNDJSON  = "FORMAT_NDJSON"
	FormatParquet = "FORMAT_PARQUET"
)

// The values of EventDetails.Scope.
const (
	ScopeEvent      = "SCOPE_EVENT"
	ScopePages      = "SCOPE_PAGES"
	ScopeSessions   = "SCOPE_SESSIONS"
	ScopeIndividual = "SCOPE_INDIVIDUAL"
)

// The values of ExportRequest.Compression, Backstory's own field.
const (
	CompressionGzip = "COMPRESSION_GZIP"
	CompressionZstd = "COMPRESSION_ZSTD"
	CompressionNone = "COMPRESSION_NONE"
)

// The states of an Operation. Cancelled and Expired are Backstory's own.
const (
	StatePending   = "PENDING"
	StateCompleted = "COMPLETED"
	StateFailed    = "FAILED"
	StateCancelled = "CANCELLED"
	StateExpired   = "EXPIRED"
)

// ExportRequest is the body of POST /segments/v1/exports. Empty optional
// fields are left out, so the server's defaults apply.
type ExportRequest struct {
	SegmentID        string        `json:"segmentId"`
	Type             string        `json:"type"`
	Format           string        `json:"format"`
	TimeRange        *TimeRange    `json:"timeRange,omitempty"`
	SegmentTimeRange *TimeRange    `json:"segmentTimeRange,omitempty"`
	Timezone         string        `json:"timezone,omitempty"`
	Fields           []string      `json:"fields,omitempty"`
	EventDetails     *EventDetails `json:"eventDetails,omitempty"`
	Compression      string        `json:"compression,omitempty"`
}

// TimeRange is a half-open window [Start, End) of RFC 3339 instants. An
// empty bound is unbounded.
type TimeRange struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// EventDetails narrows an event export.
type EventDetails struct {
	Scope string `json:"scope,omitempty"`
}

// Operation is the state of one asynchronous job, as the server reports
// it. Times stay strings: the server writes "" for one not yet reached.
type Operation struct {
	ID                  string            `json:"id"`
	Type                string            `json:"type"`
	State               string            `json:"state"`
	EstimatePctComplete int               `json:"estimatePctComplete"`
	ErrorDetails        string            `json:"errorDetails"`
	CreatedAt           string            `json:"createdAt"`
	FinishedAt          string            `json:"finishedAt"`
	Results             *OperationResults `json:"results"`
}

// OperationResults is what a completed export operation points at.
type OperationResults struct {
	SearchExportID string `json:"searchExportId"`
	Expires        string `json:"expires"`
}

// Done reports whether the operation has reached a final state.
func (op Operation) Done() bool { return op.State != StatePending }

// OperationError is an operation that ended in a state other than
// COMPLETED.
type OperationError struct {
	ID      string
	State   string
	Details string // the server's errorDetails, possibly empty
}

func (e *OperationError) Error() string {
	if e.Details == "" {
		return fmt.Sprintf("operation %s ended %s", e.ID, e.State)
	}
	return fmt.Sprintf("operation %s ended %s: %s", e.ID, e.State, e.Details)
}

// CreateExport starts an export and returns its operation id.
func (c *Client) CreateExport(ctx context.Context, req ExportRequest) (string, error) {
	cl, err := jsonCall(http.MethodPost, "/segments/v1/exports", req)
	if err != nil {
		return "", err
	}
	// A retried create after a lost answer must not start a second job
	// on servers that honour the key; the others ignore it.
	cl.Header = http.Header{"Idempotency-Key": {newIdempotencyKey()}}

	var out struct {
		OperationID string `json:"operationId"`
	}
	if err := c.do(ctx, cl, &out); err != nil {
		return "", fmt.Errorf("create export: %w", err)
	}
	if out.OperationID == "" {
		return "", fmt.Errorf("create export: answer has no operationId")
	}
	return out.OperationID, nil
}

// Operation fetches the current state of an operation.
func (c *Client) Operation(ctx context.Context, id string) (Operation, error) {
	cl, _ := jsonCall(http.MethodGet, "/operations/v1/"+url.PathEscape(id), nil)
	var op Operation
	if err := c.do(ctx, cl, &op); err != nil {
		return Operation{}, fmt.Errorf("get operation %s: %w", id, err)
	}
	return op, nil
}

// CancelOperation asks the server to stop a pending operation. The
// hosted product has no such call and answers 404.
func (c *Client) CancelOperation(ctx context.Context, id string) error {
	path := "/operations/v1/" + url.PathEscape(id) + "/cancel"
	cl, _ := jsonCall(http.MethodPost, path, struct{}{})
	if err := c.do(ctx, cl, nil); err != nil {
		return fmt.Errorf("cancel operation %s: %w", id, err)
	}
	return nil
}

// Wait polls the operation every interval until it is done, passing each
// state it sees to onPoll when that is not nil. It returns the final
// operation, with an *OperationError unless it COMPLETED.
func (c *Client) Wait(ctx context.Context, id string, interval time.Duration,
	onPoll func(Operation)) (Operation, error) {
	for {
		op, err := c.Operation(ctx, id)
		if err != nil {
			return op, err
		}
		if onPoll != nil {
			onPoll(op)
		}

		switch {
		case op.State == StateCompleted:
			return op, nil
		case op.Done():
			return op, &OperationError{ID: id, State: op.State,
				Details: op.ErrorDetails}
		}
		if err := c.sleep(ctx, interval); err != nil {
			return op, err
		}
	}
}

// ExportResults mints a fresh signed location for a finished export's
// file, and says when that location stops working.
func (c *Client) ExportResults(ctx context.Context, exportID string) (string, time.Time, error) {
	path := "/search/v1/exports/" + url.PathEscape(exportID) + "/results"
	cl, _ := jsonCall(http.MethodGet, path, nil)

	var out struct {
		Location string `json:"location"`
		Expires  string `json:"expires"`
	}
	if err := c.do(ctx, cl, &out); err != nil {
		return "", time.Time{}, fmt.Errorf("get export %s results: %w",
			exportID, err)
	}
	if out.Location == "" {
		return "", time.Time{}, fmt.Errorf(
			"get export %s results: answer has no location", exportID)
	}

	loc, err := c.resolve(out.Location)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("get export %s results: %w",
			exportID, err)
	}
	// An unreadable expiry costs nothing but a re-mint on a 403.
	expires, _ := time.Parse(time.RFC3339Nano, out.Expires)
	return loc, expires, nil
}

// resolve makes a location absolute against BaseURL; the contract says
// it already is, but a relative one is harmless to accept.
func (c *Client) resolve(location string) (string, error) {
	ref, err := url.Parse(location)
	if err != nil {
		return "", fmt.Errorf("parse location: %w", err)
	}
	if ref.IsAbs() {
		return location, nil
	}
	base, err := url.Parse(c.BaseURL)
	if err != nil {
		return "", fmt.Errorf("parse base URL: %w", err)
	}
	return base.ResolveReference(ref).String(), nil
}

func newIdempotencyKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
