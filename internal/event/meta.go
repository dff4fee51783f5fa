package event

import (
	"encoding/json"
	"time"
)

// APIKey is a stored key. Only the hash of the secret is kept.
type APIKey struct {
	ID       string
	OrgID    OrgID
	Role     Role
	Name     string
	Hash     []byte // SHA-256 of the secret
	Created  time.Time
	Revoked  bool
	LastFour string // shown in listings so people can tell keys apart
}

// Segment is a saved segment. Definition is the JSON definition as the
// segment language documents it; built-ins have Builtin set.
type Segment struct {
	ID         string
	OrgID      OrgID
	Name       string
	Creator    string
	Definition json.RawMessage
	Starred    bool
	Builtin    bool
	Created    time.Time
	Updated    time.Time
}

// OpState is the state of an operation.
type OpState string

// The operation states.
const (
	OpPending   OpState = "PENDING"
	OpCompleted OpState = "COMPLETED"
	OpFailed    OpState = "FAILED"
	OpCancelled OpState = "CANCELLED"
	OpExpired   OpState = "EXPIRED"
)

// Operation types.
const (
	OpTypeExport = "SEARCH_EXPORT"
	OpTypeDelete = "DELETE_USER"
)

// Operation is a durable asynchronous job, as the operations API shows it.
type Operation struct {
	ID          string
	OrgID       OrgID
	Type        string
	State       OpState
	Pct         int    // estimatePctComplete, 0..100
	Error       string // errorDetails, words a person can act on
	Request     json.RawMessage
	Created     time.Time
	Finished    time.Time // zero while pending
	ExportID    string    // set when an export completes
	Expires     time.Time // when the export file is deleted
	Rows        int64
	Bytes       int64
	SHA256      string
	FileName    string // the download's file name
	ContentType string
	Attempts    int
	LeaseUntil  time.Time // a worker owns the job until then
}

// BatchJob is a v2 batch import job.
type BatchJob struct {
	ID       string
	OrgID    OrgID
	Kind     string // "users" or "events"
	Status   string // PROCESSING, COMPLETED, FAILED
	Created  time.Time
	Finished time.Time
	Imports  int
	Errors   int
	Results  json.RawMessage // the imports and errors lists
}
