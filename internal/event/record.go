package event

import (
	"encoding/json"
	"time"
)

// Props holds custom properties by stored key ("plan_str",
// "order.total_real"), each a raw JSON value of the key's type: strings
// and dates as JSON strings (dates RFC 3339), numbers as JSON numbers,
// booleans as true/false, lists as JSON arrays.
type Props map[string]json.RawMessage

// Record is one event on its way into the store. Values holds the event
// columns by export name (see EventColumns and StorageColumns), typed by
// the column's Kind: int64, float64, string, time.Time, or int64 0/1 for
// flags. A missing key or a nil value is null, which is distinct from "".
type Record struct {
	Values     map[string]any
	EventProps Props
	PageProps  Props
}

// Person is a stored person: one IndvId, any number of devices.
type Person struct {
	OrgID       OrgID
	IndvID      IndvID
	UID         *string // the id the site set (UserAppKey); nil when anonymous
	DisplayName *string
	Email       *string
	Created     time.Time
	Updated     time.Time
	Props       Props
}
