package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/export"
	"github.com/backstory-dev/backstory/internal/store/duckdb"
)

// uiStore is what the UI's helpers read beyond store.Events: the latest
// events and the common values of a column. The embedded store has both;
// on a store without them the live view and the pickers are empty.
type uiStore interface {
	RecentEvents(ctx context.Context, org event.OrgID, f duckdb.RecentFilter) ([]event.Record, error)
	TopValues(ctx context.Context, org event.OrgID, q duckdb.ValuesQuery) ([]duckdb.ValueCount, error)
}

// uiSuggest is GET /ui/api/suggest?field=&user=&q=: the most common
// stored values of a builder field, optionally containing q. The field
// "type" suggests event types.
func (s *Server) uiSuggest(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	name := q.Get("field")
	column := ""
	if name == "type" {
		column = "EventType"
	}
	fields := uiEventFields
	if q.Get("user") == "true" {
		fields = uiUserFields
	}
	for _, f := range fields {
		if f.Name == name {
			column = f.Suggest
		}
	}
	values := []map[string]any{}
	st, ok := s.Events.(uiStore)
	if column == "" || !ok {
		writeJSON(w, http.StatusOK, map[string]any{"values": values})
		return
	}
	top, err := st.TopValues(r.Context(), callerOf(r.Context()).Org,
		duckdb.ValuesQuery{Column: column, Contains: q.Get("q"), Limit: 30})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, v := range top {
		values = append(values, map[string]any{"value": v.Value, "count": v.Count})
	}
	writeJSON(w, http.StatusOK, map[string]any{"values": values})
}

// exportField is one column the export dialog offers.
type exportField struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Default bool   `json:"default"`
}

// fieldGroup is a heading of the export dialog's field list.
type fieldGroup struct {
	Name   string        `json:"name"`
	Fields []exportField `json:"fields"`
}

func kindName(k event.Kind) string {
	switch k {
	case event.KindInt:
		return "integer"
	case event.KindFloat:
		return "number"
	case event.KindTime:
		return "time"
	case event.KindFlag:
		return "0/1"
	case event.KindJSON:
		return "list"
	case event.KindBool:
		return "boolean"
	}
	return "text"
}

// eventGroup names the heading of an event column.
func eventGroup(name string) string {
	switch {
	case name == "PageId":
		return "Identity"
	case strings.HasPrefix(name, "Event"):
		return "Event"
	case strings.HasPrefix(name, "Page"), name == "SessionStart":
		return "Page and session"
	case strings.HasPrefix(name, "Load"), strings.HasPrefix(name, "Req"):
		return "Load and requests"
	}
	return "Identity"
}

// uiFields is GET /ui/api/fields?type=TYPE_EVENT|TYPE_INDIVIDUAL: the
// export columns in their default order, grouped, then the org's custom
// properties. Default marks what an export without fields writes.
func (s *Server) uiFields(w http.ResponseWriter, r *http.Request) {
	individuals := r.URL.Query().Get("type") == export.TypeIndividual
	var groups []fieldGroup
	add := func(group string, f exportField) {
		if n := len(groups); n == 0 || groups[n-1].Name != group {
			groups = append(groups, fieldGroup{Name: group})
		}
		g := &groups[len(groups)-1]
		g.Fields = append(g.Fields, f)
	}
	if individuals {
		for _, c := range event.IndividualColumns {
			add("Person", exportField{c.Name, kindName(c.Kind), true})
		}
	} else {
		for _, c := range event.EventColumns {
			add(eventGroup(c.Name), exportField{c.Name, kindName(c.Kind), true})
		}
		for _, c := range event.StorageColumns {
			add("Stored, not exported by default", exportField{c.Name, kindName(c.Kind), false})
		}
	}
	// Merge the headings that the catalog order splits.
	groups = mergeGroups(groups)

	scopes := []event.PropScope{event.ScopeUser, event.ScopeEvent, event.ScopePage}
	titles := map[event.PropScope]string{event.ScopeUser: "User properties",
		event.ScopeEvent: "Event properties", event.ScopePage: "Page properties"}
	if individuals {
		scopes = scopes[:1]
	}
	for _, scope := range scopes {
		keys, err := s.Events.PropKeys(r.Context(), callerOf(r.Context()).Org, scope)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		g := fieldGroup{Name: titles[scope], Fields: []exportField{}}
		for _, k := range keys {
			pc := event.PropColumn{Scope: scope, Key: k}
			g.Fields = append(g.Fields, exportField{pc.Name(), kindName(k.Type.Kind()), true})
		}
		groups = append(groups, g)
	}
	writeJSON(w, http.StatusOK, map[string]any{"groups": groups})
}

func mergeGroups(in []fieldGroup) []fieldGroup {
	var out []fieldGroup
	at := map[string]int{}
	for _, g := range in {
		if i, ok := at[g.Name]; ok {
			out[i].Fields = append(out[i].Fields, g.Fields...)
			continue
		}
		at[g.Name] = len(out)
		out = append(out, g)
	}
	return out
}

// uiEvents is GET /ui/api/events?after=&type=&person=: the latest events,
// newest first, for the live view. after is the cursor the previous
// answer gave; the answer may repeat events at that instant, which the
// page drops by id.
func (s *Server) uiEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := duckdb.RecentFilter{Type: q.Get("type"), Person: q.Get("person"), Limit: 100}
	if a := q.Get("after"); a != "" {
		t, err := time.Parse(time.RFC3339Nano, a)
		if err != nil {
			writeError(w, event.Invalid("after: want the cursor of a previous answer"))
			return
		}
		f.After = t
	}
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		f.Limit = min(n, 500)
	}
	st, ok := s.Events.(uiStore)
	if !ok {
		writeJSON(w, http.StatusOK, map[string]any{"events": []any{}, "cursor": q.Get("after")})
		return
	}
	recs, err := st.RecentEvents(r.Context(), callerOf(r.Context()).Org, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cursor := q.Get("after")
	events := make([]map[string]any, 0, len(recs))
	for _, rec := range recs {
		ev := map[string]any{}
		for k, v := range rec.Values {
			if t, ok := v.(time.Time); ok {
				v = rfc3339ms(t)
			}
			ev[k] = v
		}
		if len(rec.EventProps) > 0 {
			ev["props"] = rec.EventProps
		}
		if t, ok := rec.Values["EventReceivedAt"].(time.Time); ok {
			if c := t.UTC().Format(time.RFC3339Nano); c > cursor || cursor == "" {
				cursor = c
			}
		}
		events = append(events, ev)
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": events, "cursor": cursor})
}

// uiOperationDetails is GET /ui/api/operations?ids=a,b: what each export
// was asked for (segment, type, format, range), which the operations API
// does not repeat, for the exports page.
func (s *Server) uiOperationDetails(w http.ResponseWriter, r *http.Request) {
	ids := strings.Split(r.URL.Query().Get("ids"), ",")
	if len(ids) > 100 {
		writeError(w, event.Invalid("ids: at most 100 at a time"))
		return
	}
	names := map[string]string{}
	if all, err := s.allSegments(r); err == nil {
		for _, seg := range all {
			names[seg.ID] = seg.Name
		}
	}
	org := callerOf(r.Context()).Org
	out := map[string]any{}
	for _, id := range ids {
		if id == "" {
			continue
		}
		op, err := s.Meta.Operation(r.Context(), org, id)
		if err != nil {
			continue
		}
		var req export.Request
		if json.Unmarshal(op.Request, &req) != nil {
			continue
		}
		out[id] = map[string]any{
			"segmentId":   req.SegmentID,
			"segmentName": names[req.SegmentID],
			"type":        req.Type,
			"format":      req.Format,
			"compression": req.Compression,
			"scope":       req.Scope,
			"start":       rfc3339ms(req.Start),
			"end":         rfc3339ms(req.End),
			"timezone":    req.Timezone,
			"fields":      len(req.Fields),
			"fileName":    op.FileName,
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"operations": out})
}
