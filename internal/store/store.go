// Package store defines the storage contracts Backstory runs on: an event
// store (DuckDB embedded, ClickHouse for scale) and a metadata store
// (embedded, or PostgreSQL for a cluster). Every method is scoped to one
// org; no method returns another org's rows.
package store

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
)

// Query is a SQL text with its bound parameters, in the store's dialect.
type Query struct {
	SQL  string
	Args []any
}

// ExportQuery describes the rows of one export.
type ExportQuery struct {
	Org event.OrgID
	// People selects the IndvIds of the segment's members: a SELECT of one
	// column named indv_id. Empty means everyone.
	People Query
	// EventFilter, when set, is a boolean SQL expression over the events
	// table aliased e, ANDed into the event selection (SCOPE_EVENT and the
	// wider scopes compile to it).
	EventFilter Query
	// Start and End bound EventStart, half-open; a zero value is unbounded.
	Start, End time.Time
	// Columns and Props are the output columns in order. A column is
	// either a catalog column or a custom property.
	Columns []OutputColumn
	// Limit, when positive, stops after that many rows (for estimates).
	Limit int
	// OnTotal, when set, is called once before the first row with the
	// number of rows the export will stream, counted in the same
	// snapshot of the data as the rows themselves.
	OnTotal func(rows int64)
}

// OutputColumn is one export column: a catalog column, or a property.
type OutputColumn struct {
	Name   string
	Kind   event.Kind
	Column *event.Column     // set for catalog columns
	Prop   *event.PropColumn // set for custom properties
}

// RowFunc receives one row. Values are int64, float64, string, time.Time
// (UTC), bool, []byte holding raw JSON, or nil for a missing value. The
// slice is reused between calls, and the strings and bytes may point
// into the store's buffers: they are valid until fn returns, and a
// consumer that keeps one past that copies it.
type RowFunc func(row []any) error

// Events is the event store.
type Events interface {
	// AppendEvents stores records, dropping any whose EventId is already
	// stored for the org. It returns how many were new.
	AppendEvents(ctx context.Context, org event.OrgID, recs []event.Record) (int, error)

	// ExportEvents streams the query's rows to fn, ordered by EventStart
	// then EventId. Memory does not grow with the number of rows.
	ExportEvents(ctx context.Context, q ExportQuery, fn RowFunc) error

	// ExportIndividuals streams one row per person to fn, ordered by
	// UserAppKey, then IndvId for anonymous people.
	ExportIndividuals(ctx context.Context, q ExportQuery, fn RowFunc) error

	// CountExport counts the rows ExportEvents or ExportIndividuals would
	// stream, for progress and estimates.
	CountExport(ctx context.Context, q ExportQuery, individuals bool) (int64, error)

	// PropKeys lists the stored property keys of a scope, sorted.
	PropKeys(ctx context.Context, org event.OrgID, scope event.PropScope) ([]event.PropKey, error)

	// Ping reports whether the store answers.
	Ping(ctx context.Context) error
}

// ErrNotFound is returned when a requested row does not exist.
var ErrNotFound = errors.New("not found")

// PeopleFilter selects people by exact uid or email, in pages.
type PeopleFilter struct {
	UID, Email string
	After      event.IndvID // page after this id (ids descend)
	Limit      int
}

// Device is a browser or app install, with where its current session and
// page stand.
type Device struct {
	OrgID        event.OrgID
	UserID       int64
	Key          string // the device key the client sent; "" when none
	IndvID       event.IndvID
	SessionID    int64
	SessionStart time.Time
	PageID       int64
	PageStart    time.Time
	PageURL      string
	LastEvent    time.Time
}

// People stores people and their devices.
type People interface {
	Person(ctx context.Context, org event.OrgID, id event.IndvID) (event.Person, error)
	FindPeople(ctx context.Context, org event.OrgID, f PeopleFilter) ([]event.Person, error)
	SavePerson(ctx context.Context, p event.Person) error
	DeletePerson(ctx context.Context, org event.OrgID, id event.IndvID) error
	MergePeople(ctx context.Context, org event.OrgID, from, into event.IndvID) error
	Device(ctx context.Context, org event.OrgID, userID int64, key string) (Device, error)
	SaveDevice(ctx context.Context, d Device) error

	// The bulk forms, for batches.
	PeopleByUID(ctx context.Context, org event.OrgID, uids []string) (map[string]event.Person, error)
	PeopleExist(ctx context.Context, org event.OrgID, ids []event.IndvID) (map[event.IndvID]bool, error)
	DevicesByKey(ctx context.Context, org event.OrgID, keys []string) (map[string]Device, error)
	SavePeople(ctx context.Context, ps []event.Person) error
	SaveDevices(ctx context.Context, ds []Device) error
}

// OpFilter selects operations, newest first.
type OpFilter struct {
	State  event.OpState
	Type   string
	Before *event.Operation // page after this one
	Limit  int
}

// Meta stores orgs, keys, segments and operations.
type Meta interface {
	CreateOrg(ctx context.Context, id event.OrgID, name string, now time.Time) error
	Orgs(ctx context.Context) ([]event.OrgID, error)

	CreateKey(ctx context.Context, k event.APIKey) error
	KeyByID(ctx context.Context, id string) (event.APIKey, error)
	Keys(ctx context.Context, org event.OrgID) ([]event.APIKey, error)
	RevokeKey(ctx context.Context, org event.OrgID, id string) error

	Segment(ctx context.Context, org event.OrgID, id string) (event.Segment, error)
	Segments(ctx context.Context, org event.OrgID) ([]event.Segment, error)
	SaveSegment(ctx context.Context, s event.Segment) error
	DeleteSegment(ctx context.Context, org event.OrgID, id string) error

	CreateOperation(ctx context.Context, o event.Operation) error
	UpdateOperation(ctx context.Context, o event.Operation, onlyPending bool) (bool, error)
	Operation(ctx context.Context, org event.OrgID, id string) (event.Operation, error)
	OperationByExport(ctx context.Context, org event.OrgID, exportID string) (event.Operation, error)
	Operations(ctx context.Context, org event.OrgID, f OpFilter) ([]event.Operation, error)
	ClaimOperation(ctx context.Context, now, until time.Time) (event.Operation, error)
	ExpiredExports(ctx context.Context, now time.Time) ([]event.Operation, error)
}

// IdemRecord is the first answer given to a request with an
// Idempotency-Key.
type IdemRecord struct {
	BodyHash string
	Status   int
	Response []byte
}

// Jobs stores v2 batch jobs and idempotency records.
type Jobs interface {
	SaveBatchJob(ctx context.Context, j event.BatchJob) error
	BatchJob(ctx context.Context, org event.OrgID, id string) (event.BatchJob, error)
	Idempotent(ctx context.Context, org event.OrgID, key string, since time.Time) (IdemRecord, error)
	SaveIdempotent(ctx context.Context, org event.OrgID, key string, r IdemRecord, now time.Time) error
}

// PreviewQuery asks how big a segment is.
type PreviewQuery struct {
	Org        event.OrgID
	People     Query // the members; empty is everyone
	Start, End time.Time
	Location   *time.Location // for day boundaries
	// Funnel, when set, selects indv_id and booleans step1 .. stepN
	// over a set holding every step's members, stepN being membership
	// (segment.Compiled.Funnel); it then stands in for People, and the
	// preview counts each step's members.
	Funnel Query
}

// DayCount is the number of members active on one local day.
type DayCount struct {
	Day    string `json:"day"` // YYYY-MM-DD in the preview's zone
	People int64  `json:"people"`
}

// PreviewResult is a segment's size.
type PreviewResult struct {
	People       int64 // members
	ActivePeople int64 // members with events in the window
	Sessions     int64
	Events       int64
	PerDay       []DayCount
	Funnel       []int64 // the members of each step of the Funnel
}

// Previewer sizes segments before anyone exports them.
type Previewer interface {
	Preview(ctx context.Context, q PreviewQuery) (PreviewResult, error)
	CountPeople(ctx context.Context, org string, people Query) (int64, error)
}

// IsOutOfMemory reports whether err is the store running out of its
// memory budget, which other work holds for the moment: the same request
// may succeed when retried. DuckDB says so in an "Out of Memory Error",
// or, when a commit is what runs short, as a failure to pin or allocate
// a block. A fatal error is never one: after it the database must be
// restarted, and no retry helps.
func IsOutOfMemory(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	if strings.Contains(msg, "FATAL Error") || strings.Contains(msg, "database has been invalidated") {
		return false
	}
	for _, s := range []string{"Out of Memory Error", "failed to pin block",
		"could not allocate block", "failed to allocate data"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
