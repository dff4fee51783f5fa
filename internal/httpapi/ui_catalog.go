package httpapi

import (
	"net/http"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store/duckdb"
)

// uiField is a field the segment builder offers, with the operators the
// segment language allows on it (docs/segments.md). The server checks
// every definition anyway; the catalog only keeps the form from offering
// what would be refused. ui_catalog_test.go holds it to segment.Parse.
type uiField struct {
	Name  string   `json:"name"`
	Label string   `json:"label"`
	Type  string   `json:"type"`
	Ops   []string `json:"ops"`
	// Suggest is the event column whose stored values the picker offers.
	Suggest string `json:"suggest,omitempty"`
}

// The value types of fields, as the builder's form spells them.
const (
	uiText     = "text"
	uiNumber   = "number"
	uiTime     = "time"
	uiBool     = "bool"
	uiFlag     = "flag"
	uiSelector = "selector"
	uiTextList = "textList"
	uiList     = "list"
)

// uiOps lists the operators of each value type.
var uiOps = map[string][]string{
	uiText: {"eq", "neq", "contains", "not_contains", "starts_with",
		"ends_with", "matches", "in", "not_in", "exists", "not_exists"},
	uiNumber: {"eq", "neq", "gt", "gte", "lt", "lte", "between", "in",
		"not_in", "exists", "not_exists"},
	uiTime:     {"gt", "gte", "lt", "lte", "between", "exists", "not_exists"},
	uiBool:     {"eq", "neq", "exists", "not_exists"},
	uiFlag:     {"eq", "neq"},
	uiSelector: {"matches"},
	uiTextList: {"eq", "neq", "in", "not_in", "exists", "not_exists"},
	uiList:     {"exists", "not_exists"},
}

func field(name, label, typ, suggest string) uiField {
	return uiField{Name: name, Label: label, Type: typ, Ops: uiOps[typ], Suggest: suggest}
}

// uiEventFields are the fields of did, didNot and sequence conditions.
var uiEventFields = []uiField{
	field("url", "Page URL", uiText, "PageUrl"),
	field("host", "Host", uiText, ""),
	field("path", "Path", uiText, ""),
	field("referrer", "Referrer", uiText, "PageRefererUrl"),
	field("page_name", "Page name", uiText, "PageName"),
	field("target_text", "Element text", uiText, "EventTargetText"),
	field("selector", "Element (CSS selector)", uiSelector, ""),
	field("name", "Custom event name", uiText, "EventCustomName"),
	field("error_kind", "Error kind", uiText, "EventVarErrorKind"),
	field("request_url", "Request URL", uiText, "ReqUrl"),
	field("request_method", "Request method", uiText, "ReqMethod"),
	field("request_status", "Request status", uiNumber, ""),
	field("rage", "Rage click", uiFlag, ""),
	field("dead", "Dead click", uiFlag, ""),
	field("error", "Error click", uiFlag, ""),
	field("country", "Country", uiText, "PageCountry"),
	field("region", "Region", uiText, "PageRegion"),
	field("city", "City", uiText, "PageCity"),
	field("browser", "Browser", uiText, "PageBrowser"),
	field("device", "Device", uiText, "PageDevice"),
	field("os", "Operating system", uiText, "PageOperatingSystem"),
}

// uiUserFields are the fields of user criteria.
var uiUserFields = []uiField{
	field("uid", "User id (uid)", uiText, ""),
	field("display_name", "Display name", uiText, ""),
	field("email", "Email", uiText, ""),
	field("created", "Created", uiTime, ""),
	field("first_seen", "First seen", uiTime, ""),
	field("last_seen", "Last seen", uiTime, ""),
	field("country", "Country", uiText, "PageCountry"),
	field("region", "Region", uiText, "PageRegion"),
	field("city", "City", uiText, "PageCity"),
	field("browser", "Browser", uiText, "PageBrowser"),
	field("device", "Device", uiText, "PageDevice"),
	field("os", "Operating system", uiText, "PageOperatingSystem"),
}

// uiEventTypes are the event types a filter may name.
var uiEventTypes = event.EventTypes

// propFieldType is the value type conditions see for a property type.
func propFieldType(t event.PropType) string {
	switch t {
	case event.TypeStr:
		return uiText
	case event.TypeInt, event.TypeReal:
		return uiNumber
	case event.TypeDate:
		return uiTime
	case event.TypeBool:
		return uiBool
	case event.TypeStrs:
		return uiTextList
	}
	return uiList
}

// propFields lists the stored properties of a scope as builder fields.
func (s *Server) propFields(r *http.Request, scope event.PropScope) ([]uiField, error) {
	keys, err := s.Events.PropKeys(r.Context(), callerOf(r.Context()).Org, scope)
	if err != nil {
		return nil, err
	}
	out := make([]uiField, 0, len(keys))
	for _, k := range keys {
		pc := event.PropColumn{Scope: scope, Key: k}
		out = append(out, field(pc.Name(), k.Name, propFieldType(k.Type), ""))
	}
	return out, nil
}

// eventTypeCount is an event type and how many events of it are stored.
type eventTypeCount struct {
	Type  string `json:"type"`
	Count int64  `json:"count"`
}

// uiCatalog is GET /ui/api/catalog: the builder's fields, with the
// org's custom properties, and the event types with how often each was
// seen, so the form can offer what the data holds first.
func (s *Server) uiCatalog(w http.ResponseWriter, r *http.Request) {
	org := callerOf(r.Context()).Org
	seen := map[string]int64{}
	if st, ok := s.Events.(uiStore); ok {
		top, err := st.TopValues(r.Context(), org, duckdb.ValuesQuery{Column: "EventType", Limit: 100})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, v := range top {
			seen[v.Value] = v.Count
		}
	}
	types := make([]eventTypeCount, len(uiEventTypes))
	for i, t := range uiEventTypes {
		types[i] = eventTypeCount{Type: t, Count: seen[t]}
	}

	eventFields := append([]uiField{}, uiEventFields...)
	for _, scope := range []event.PropScope{event.ScopeEvent, event.ScopePage} {
		props, err := s.propFields(r, scope)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		eventFields = append(eventFields, props...)
	}
	userProps, err := s.propFields(r, event.ScopeUser)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"eventTypes":  types,
		"eventFields": eventFields,
		"userFields":  append(append([]uiField{}, uiUserFields...), userProps...),
	})
}
