// Package event holds Backstory's domain types: the export column catalog,
// people, segments, operations and the error type users see. It has no
// dependencies beyond the standard library.
package event

// Kind is the value type of a column. It decides how the column is stored,
// how each export format writes it, and how imports parse it.
type Kind int

// The column kinds.
const (
	KindInt    Kind = iota + 1 // int64; ids, durations in ms, counters
	KindFloat                  // float64
	KindString                 // UTF-8 text; "" and null are distinct
	KindTime                   // an instant, microsecond precision
	KindFlag                   // 0 or 1, written as a number
	KindJSON                   // a raw JSON literal (list properties)
	KindBool                   // true or false (bool properties)
)

// Source says which table a column lives in.
type Source int

// The column sources.
const (
	FromEvent  Source = iota + 1 // the events table, one value per event
	FromPerson                   // the people table, joined on IndvId
)

// Column is one export column of the compatible event format.
type Column struct {
	Name   string // the export name, e.g. "EventTargetText"
	DB     string // the storage column, e.g. "target_text"
	Kind   Kind
	Source Source
}

// EventColumns lists the event export columns in their default order.
// Names follow the hosted product's export format; EventId and
// PageClusterId are carried so that imports round-trip.
var EventColumns = []Column{
	{"IndvId", "indv_id", KindInt, FromEvent},
	{"UserId", "user_id", KindInt, FromEvent},
	{"SessionId", "session_id", KindInt, FromEvent},
	{"PageId", "page_id", KindInt, FromEvent},
	{"UserCreated", "created", KindTime, FromPerson},
	{"UserAppKey", "uid", KindString, FromPerson},
	{"UserDisplayName", "display_name", KindString, FromPerson},
	{"UserEmail", "email", KindString, FromPerson},
	{"EventId", "event_id", KindString, FromEvent},
	{"EventStart", "event_start", KindTime, FromEvent},
	{"EventType", "event_type", KindString, FromEvent},
	{"EventSubType", "event_sub_type", KindString, FromEvent},
	{"EventCustomName", "custom_name", KindString, FromEvent},
	{"EventTargetText", "target_text", KindString, FromEvent},
	{"EventTargetSelectorTok", "selector_tok", KindString, FromEvent},
	{"EventPageOffset", "page_offset", KindInt, FromEvent},
	{"EventSessionOffset", "session_offset", KindInt, FromEvent},
	{"EventModFrustrated", "mod_frustrated", KindFlag, FromEvent},
	{"EventModDead", "mod_dead", KindFlag, FromEvent},
	{"EventModError", "mod_error", KindFlag, FromEvent},
	{"EventModSuspicious", "mod_suspicious", KindFlag, FromEvent},
	{"EventVarErrorKind", "error_kind", KindString, FromEvent},
	{"EventVarFields", "var_fields", KindString, FromEvent},
	{"EventWebSourceFileUrl", "source_file_url", KindString, FromEvent},
	{"SessionStart", "session_start", KindTime, FromEvent},
	{"PageStart", "page_start", KindTime, FromEvent},
	{"PageName", "page_name", KindString, FromEvent},
	{"PageDuration", "page_duration", KindInt, FromEvent},
	{"PageActiveDuration", "page_active_duration", KindInt, FromEvent},
	{"PageUrl", "page_url", KindString, FromEvent},
	{"PageRefererUrl", "referrer_url", KindString, FromEvent},
	{"PageIp", "ip", KindString, FromEvent},
	{"PageLatLong", "lat_long", KindString, FromEvent},
	{"PageUserAgent", "user_agent", KindString, FromEvent},
	{"PageBrowser", "browser", KindString, FromEvent},
	{"PageBrowserVersion", "browser_version", KindString, FromEvent},
	{"PageDevice", "device", KindString, FromEvent},
	{"PagePlatform", "platform", KindString, FromEvent},
	{"PageOperatingSystem", "os", KindString, FromEvent},
	{"PageScreenWidth", "screen_width", KindInt, FromEvent},
	{"PageScreenHeight", "screen_height", KindInt, FromEvent},
	{"PageViewportWidth", "viewport_width", KindInt, FromEvent},
	{"PageViewportHeight", "viewport_height", KindInt, FromEvent},
	{"PageNumInfos", "num_infos", KindInt, FromEvent},
	{"PageNumWarnings", "num_warnings", KindInt, FromEvent},
	{"PageNumErrors", "num_errors", KindInt, FromEvent},
	{"PageMaxScrollDepthPercent", "max_scroll_pct", KindInt, FromEvent},
	{"PageClusterId", "page_cluster_id", KindInt, FromEvent},
	{"LoadDomContentTime", "load_dom_content", KindInt, FromEvent},
	{"LoadEventTime", "load_event", KindInt, FromEvent},
	{"LoadFirstPaintTime", "load_first_paint", KindInt, FromEvent},
	{"LoadLargestPaintTime", "load_largest_paint", KindInt, FromEvent},
	{"ReqUrl", "req_url", KindString, FromEvent},
	{"ReqMethod", "req_method", KindString, FromEvent},
	{"ReqStatus", "req_status", KindInt, FromEvent},
}

// Storage-only event columns: kept in the events table, not exported by
// default, but available to segments and as explicit fields.
var StorageColumns = []Column{
	{"EventClientTime", "client_time", KindTime, FromEvent},
	{"EventReceivedAt", "received_at", KindTime, FromEvent},
	{"DeviceKey", "device_key", KindString, FromEvent},
	{"PageCountry", "country", KindString, FromEvent},
	{"PageRegion", "region", KindString, FromEvent},
	{"PageCity", "city", KindString, FromEvent},
	{"EventIsBot", "is_bot", KindFlag, FromEvent},
}

// IndividualColumns lists the person export columns in default order.
// Their values are computed per person by the store; DB names the alias.
var IndividualColumns = []Column{
	{"IndvId", "indv_id", KindInt, FromPerson},
	{"UserAppKey", "uid", KindString, FromPerson},
	{"UserDisplayName", "display_name", KindString, FromPerson},
	{"UserEmail", "email", KindString, FromPerson},
	{"UserCreated", "created", KindTime, FromPerson},
	{"FirstEventStart", "first_event_start", KindTime, FromPerson},
	{"LastEventStart", "last_event_start", KindTime, FromPerson},
	{"NumSessions", "num_sessions", KindInt, FromPerson},
	{"NumPages", "num_pages", KindInt, FromPerson},
	{"NumEvents", "num_events", KindInt, FromPerson},
	{"TotalActiveDuration", "total_active_duration", KindInt, FromPerson},
	{"LastPageUrl", "last_page_url", KindString, FromPerson},
	{"LastBrowser", "last_browser", KindString, FromPerson},
	{"LastDevice", "last_device", KindString, FromPerson},
	{"LastOperatingSystem", "last_os", KindString, FromPerson},
	{"LastCountry", "last_country", KindString, FromPerson},
}

// StoredEventColumns is every column of the events table, in table order,
// excluding the org and property columns that the store adds itself.
func StoredEventColumns() []Column {
	var out []Column
	for _, c := range EventColumns {
		if c.Source == FromEvent {
			out = append(out, c)
		}
	}
	return append(out, StorageColumns...)
}

// LookupEventColumn finds an event column, export or storage, by export
// name.
func LookupEventColumn(name string) (Column, bool) {
	for _, c := range EventColumns {
		if c.Name == name {
			return c, true
		}
	}
	for _, c := range StorageColumns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// LookupIndividualColumn finds a person export column by name.
func LookupIndividualColumn(name string) (Column, bool) {
	for _, c := range IndividualColumns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}
