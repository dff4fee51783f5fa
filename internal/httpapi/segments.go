package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"sort"

	"github.com/go-chi/chi/v5"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/export"
	"github.com/backstory-dev/backstory/internal/segment"
	"github.com/backstory-dev/backstory/internal/store"
)

// builtinIDs are the built-in segments, listed before the saved ones.
var builtinIDs = []struct{ ID, Name string }{
	{"everyone", "Everyone"},
	{"rageClicks", "Rage clicks"},
	{"deadClicks", "Dead clicks"},
	{"errorClicks", "Error clicks"},
}

func (s *Server) segmentJSON(seg event.Segment) map[string]any {
	out := map[string]any{
		"id":      seg.ID,
		"name":    seg.Name,
		"creator": seg.Creator,
		"created": rfc3339ms(seg.Created),
		"updated": rfc3339ms(seg.Updated),
		"url":     s.BaseURL + "/ui/segments/" + url.PathEscape(seg.ID),
		"starred": seg.Starred,
		"builtin": seg.Builtin,
	}
	if len(seg.Definition) > 0 {
		out["definition"] = json.RawMessage(seg.Definition)
	}
	return out
}

// allSegments lists built-ins, then saved segments, starred first.
func (s *Server) allSegments(r *http.Request) ([]event.Segment, error) {
	saved, err := s.Meta.Segments(r.Context(), callerOf(r.Context()).Org)
	if err != nil {
		return nil, err
	}
	var out []event.Segment
	for _, b := range builtinIDs {
		def, _ := segment.Builtin(b.ID)
		raw, _ := json.Marshal(def)
		out = append(out, event.Segment{ID: b.ID, Name: b.Name, Creator: "backstory",
			Builtin: true, Definition: raw})
	}
	out = append(out, saved...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Starred && !out[j].Starred })
	return out, nil
}

func (s *Server) listSegments(w http.ResponseWriter, r *http.Request) {
	limit, err := queryLimit(r)
	if err != nil {
		writeError(w, err)
		return
	}
	all, err := s.allSegments(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if creator := r.URL.Query().Get("creator"); creator != "" {
		kept := all[:0]
		for _, seg := range all {
			if seg.Creator == creator {
				kept = append(kept, seg)
			}
		}
		all = kept
	}
	start := 0
	if tok := pageToken(r); tok != "" {
		cur, err := s.readToken(tok, "seg")
		if err != nil {
			writeError(w, err)
			return
		}
		for i, seg := range all {
			if seg.ID == cur {
				start = i + 1
			}
		}
	}
	end := min(start+limit, len(all))
	out := map[string]any{}
	list := []map[string]any{}
	for _, seg := range all[start:end] {
		list = append(list, s.segmentJSON(seg))
	}
	out["segments"] = list
	if end < len(all) {
		out["nextPaginationToken"] = s.makeToken("seg", all[end-1].ID)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getSegment(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	all, err := s.allSegments(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, seg := range all {
		if seg.ID == id {
			writeJSON(w, http.StatusOK, s.segmentJSON(seg))
			return
		}
	}
	writeError(w, event.NotFound("segment %q does not exist", id))
}

// segmentBody is a create or update body: a definition, either bare or
// wrapped as {"definition": ..., "name": ..., "starred": ...}.
type segmentBody struct {
	Name       string
	Starred    *bool
	Definition json.RawMessage
	Def        *segment.Definition
}

func parseSegmentBody(body []byte) (segmentBody, error) {
	var b segmentBody
	var wrap struct {
		Name       string          `json:"name"`
		Starred    *bool           `json:"starred"`
		Definition json.RawMessage `json:"definition"`
	}
	if err := unmarshal(body, &wrap); err != nil {
		return b, err
	}
	b.Name, b.Starred, b.Definition = wrap.Name, wrap.Starred, wrap.Definition
	if len(wrap.Definition) == 0 {
		b.Definition = body
	}
	def, err := segment.Parse(b.Definition)
	if err != nil {
		return b, err
	}
	if b.Name == "" {
		b.Name = def.Name
	}
	if b.Name == "" {
		return b, event.Errorf(event.CodeRequired, "name: a segment needs a name")
	}
	b.Def = def
	return b, nil
}

// readSegmentBody reads and validates a create or update body, answering
// the error itself when there is one.
func readSegmentBody(w http.ResponseWriter, r *http.Request) (segmentBody, bool) {
	raw, err := readBody(w, r, maxBody)
	if err == nil {
		var b segmentBody
		if b, err = parseSegmentBody(raw); err == nil {
			return b, true
		}
	}
	writeError(w, err)
	return segmentBody{}, false
}

func (s *Server) createSegment(w http.ResponseWriter, r *http.Request) {
	b, ok := readSegmentBody(w, r)
	if !ok {
		return
	}
	c := callerOf(r.Context())
	now := s.now()
	seg := event.Segment{ID: "seg_" + randomID(), OrgID: c.Org, Name: b.Name,
		Creator: "key:" + c.KeyID, Definition: b.Definition, Created: now, Updated: now}
	if b.Starred != nil {
		seg.Starred = *b.Starred
	}
	if err := s.Meta.SaveSegment(r.Context(), seg); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.segmentJSON(seg))
}

func (s *Server) updateSegment(w http.ResponseWriter, r *http.Request) {
	org := callerOf(r.Context()).Org
	seg, err := s.Meta.Segment(r.Context(), org, chi.URLParam(r, "id"))
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, event.NotFound("segment %q does not exist (built-ins "+
			"cannot be changed)", chi.URLParam(r, "id")))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	b, ok := readSegmentBody(w, r)
	if !ok {
		return
	}
	seg.Name, seg.Definition, seg.Updated = b.Name, b.Definition, s.now()
	if b.Starred != nil {
		seg.Starred = *b.Starred
	}
	if err := s.Meta.SaveSegment(r.Context(), seg); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.segmentJSON(seg))
}

func (s *Server) deleteSegment(w http.ResponseWriter, r *http.Request) {
	err := s.Meta.DeleteSegment(r.Context(), callerOf(r.Context()).Org, chi.URLParam(r, "id"))
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, event.NotFound("segment %q does not exist", chi.URLParam(r, "id")))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

// previewSegment sizes a definition (or saved segment) before anyone
// exports it: members, their sessions and events in the window, the
// members left after each top-level criterion, members per local day, and,
// given an export request, the rows and bytes that export would write.
func (s *Server) previewSegment(w http.ResponseWriter, r *http.Request) {
	raw, err := readBody(w, r, maxBody)
	if err != nil {
		writeError(w, err)
		return
	}
	var body struct {
		SegmentID  string          `json:"segmentId"`
		SegmentID2 string          `json:"segment_id"`
		Definition json.RawMessage `json:"definition"`
		Timezone   string          `json:"timezone"`
		Export     json.RawMessage `json:"export"`
	}
	if err := unmarshal(raw, &body); err != nil {
		writeError(w, err)
		return
	}
	org := callerOf(r.Context()).Org
	var def *segment.Definition
	switch id := body.SegmentID + body.SegmentID2; {
	case len(body.Definition) > 0 && id != "":
		err = event.Invalid("give definition or segmentId, not both")
	case len(body.Definition) > 0:
		def, err = segment.Parse(body.Definition)
	case id != "":
		def, err = s.Exports.Segments.Definition(r.Context(), org, id)
	default:
		err = event.Errorf(event.CodeRequired, "definition or segmentId is required")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	opt := segment.CompileOptions{Org: org, Now: s.now()}
	if body.Timezone != "" {
		if opt.Location, err = segment.LoadLocation(body.Timezone); err != nil {
			writeError(w, event.Invalid("timezone: %v", err))
			return
		}
	}
	out, err := s.preview(r, def, opt)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(body.Export) > 0 {
		est, err := s.estimate(r, body.Export, body.SegmentID+body.SegmentID2)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out["estimate"] = est
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) preview(r *http.Request, def *segment.Definition, opt segment.CompileOptions) (map[string]any, error) {
	comp, err := segment.Compile(def, opt)
	if err != nil {
		return nil, err
	}
	// The funnel: members judged on the first k criteria, for each k.
	res, err := s.Preview.Preview(r.Context(), store.PreviewQuery{Org: opt.Org,
		People: comp.People, Start: comp.Start, End: comp.End,
		Location: comp.Location, Funnel: comp.Funnel})
	if err != nil {
		return nil, err
	}
	funnel := []map[string]any{}
	for k, n := range res.Funnel {
		funnel = append(funnel, map[string]any{"criterion": k, "people": n})
	}
	perDay := res.PerDay
	if perDay == nil {
		perDay = []store.DayCount{}
	}
	return map[string]any{"people": res.People, "activePeople": res.ActivePeople,
		"sessions": res.Sessions, "events": res.Events, "funnel": funnel,
		"perDay": perDay, "start": rfc3339ms(comp.Start), "end": rfc3339ms(comp.End),
		"timezone": comp.Location.String()}, nil
}

// estimate sizes an export request given with a preview.
func (s *Server) estimate(r *http.Request, raw json.RawMessage, segmentID string) (map[string]int64, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, event.Invalid("export: want an export request object")
	}
	if _, ok := m["segmentId"]; !ok && segmentID != "" {
		m["segmentId"], _ = json.Marshal(segmentID)
	}
	full, _ := json.Marshal(m)
	req, err := export.ParseRequest(full, s.now())
	if err != nil {
		return nil, event.Invalid("export: %v", err)
	}
	rows, bytes, err := s.Exports.Estimate(r.Context(), callerOf(r.Context()).Org, req)
	if err != nil {
		return nil, err
	}
	return map[string]int64{"rows": rows, "bytes": bytes}, nil
}
