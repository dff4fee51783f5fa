package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/export"
	"github.com/backstory-dev/backstory/internal/store"
)

// createExport is step 1: POST /segments/v1/exports. It answers exactly
// 200 with the operation id (clients treat 201 or 202 as failure).
func (s *Server) createExport(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r, maxBody)
	if err != nil {
		writeError(w, err)
		return
	}
	req, err := export.ParseRequest(body, s.now())
	if err != nil {
		writeError(w, err)
		return
	}
	op, err := s.Exports.Create(r.Context(), callerOf(r.Context()).Org, req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"operationId": op.ID})
}

// operationJSON is an operation as the API shows it.
func operationJSON(op event.Operation) map[string]any {
	var results any
	if op.State == event.OpCompleted {
		results = map[string]string{
			"searchExportId": op.ExportID,
			"expires":        rfc3339ms(op.Expires),
		}
	}
	pct := op.Pct
	if op.State == event.OpCompleted {
		pct = 100
	}
	return map[string]any{
		"id":                  op.ID,
		"type":                op.Type,
		"details":             nil,
		"state":               op.State,
		"estimatePctComplete": pct,
		"errorDetails":        op.Error,
		"createdAt":           rfc3339ms(op.Created),
		"finishedAt":          rfc3339ms(op.Finished),
		"results":             results,
		"rows":                op.Rows,
		"bytes":               op.Bytes,
	}
}

// getOperation is step 2: GET /operations/v1/{id}.
func (s *Server) getOperation(w http.ResponseWriter, r *http.Request) {
	op, err := s.Meta.Operation(r.Context(), callerOf(r.Context()).Org, chi.URLParam(r, "id"))
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, event.NotFound("operation %q does not exist", chi.URLParam(r, "id")))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, operationJSON(op))
}

// cancelOperation stops a pending export (ours).
func (s *Server) cancelOperation(w http.ResponseWriter, r *http.Request) {
	op, err := s.Exports.Cancel(r.Context(), callerOf(r.Context()).Org, chi.URLParam(r, "id"))
	if errors.Is(err, store.ErrNotFound) {
		err = event.NotFound("operation %q does not exist", chi.URLParam(r, "id"))
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, operationJSON(op))
}

// listOperations is GET /operations/v1.
func (s *Server) listOperations(w http.ResponseWriter, r *http.Request) {
	org := callerOf(r.Context()).Org
	limit, err := queryLimit(r)
	if err != nil {
		writeError(w, err)
		return
	}
	q := r.URL.Query()
	f := store.OpFilter{State: event.OpState(q.Get("state")), Type: q.Get("type"), Limit: limit + 1}
	if tok := pageToken(r); tok != "" {
		id, err := s.readToken(tok, "op")
		if err != nil {
			writeError(w, err)
			return
		}
		before, err := s.Meta.Operation(r.Context(), org, id)
		if err != nil {
			writeError(w, event.Invalid("paginationToken: it no longer points at an operation"))
			return
		}
		f.Before = &before
	}
	ops, err := s.Meta.Operations(r.Context(), org, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := map[string]any{}
	if len(ops) > limit {
		ops = ops[:limit]
		out["nextPaginationToken"] = s.makeToken("op", ops[limit-1].ID)
	}
	list := make([]map[string]any, len(ops))
	for i, op := range ops {
		list[i] = operationJSON(op)
	}
	out["operations"] = list
	writeJSON(w, http.StatusOK, out)
}

// exportResults is step 3: a fresh signed link to the file.
func (s *Server) exportResults(w http.ResponseWriter, r *http.Request) {
	org := callerOf(r.Context()).Org
	id := chi.URLParam(r, "id")
	op, err := s.Meta.OperationByExport(r.Context(), org, id)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, s.noExport(r, org, id))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if op.State == event.OpExpired || !op.Expires.After(s.now()) {
		writeError(w, event.NotFound("export %q has expired; its file was kept "+
			"until %s", id, rfc3339ms(op.Expires)))
		return
	}
	ttl := s.LinkTTL
	if ttl <= 0 {
		ttl = 5 * time.Minute
	}
	expires := s.now().Add(ttl)
	if expires.After(op.Expires) {
		expires = op.Expires
	}
	loc := fmt.Sprintf("%s/download/%s?%s", s.BaseURL, id, s.Signer.Query(org, id, expires))
	writeJSON(w, http.StatusOK, map[string]string{
		"location": loc, "expires": rfc3339ms(expires)})
}

// download serves an export's bytes behind a signed link. The body is the
// compressed file as stored, with its own content type and never a
// Content-Encoding, so clients save and gunzip it themselves. Range
// requests resume a broken download.
func (s *Server) download(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	org, err := s.Signer.Check(id, r.URL.Query(), s.now())
	if err != nil {
		writeError(w, err)
		return
	}
	op, err := s.Meta.OperationByExport(r.Context(), org, id)
	if err != nil || op.State != event.OpCompleted {
		writeError(w, event.NotFound("export %q is not available", id))
		return
	}
	f, err := s.Exports.Files.Open(id)
	if err != nil {
		writeError(w, event.NotFound("export %q's file is gone", id))
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", op.ContentType)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, op.FileName))
	w.Header().Set("Cache-Control", "private, no-store")
	http.ServeContent(w, r, op.FileName, op.Finished, f)
}

// noExport says why id has no file: its operation has not finished, or
// failed, or there is no such export. The export id of a finished
// operation is the operation's id.
func (s *Server) noExport(r *http.Request, org event.OrgID, id string) error {
	op, err := s.Meta.Operation(r.Context(), org, id)
	switch {
	case err != nil:
		return event.NotFound("export %q does not exist", id)
	case op.State == event.OpFailed:
		return event.NotFound("export %q failed, so it has no file: %s", id, op.Error)
	case op.State == event.OpCancelled:
		return event.NotFound("export %q was cancelled, so it has no file", id)
	}
	return event.NotFound("export %q is not ready yet: its operation is %s at %d%%; "+
		"poll /operations/v1/%s until it is COMPLETED", id, op.State, op.Pct, id)
}
