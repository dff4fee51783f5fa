package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
)

// Batch limits: up to 50,000 items, and a body cap to match.
const (
	maxBatchItems = 50_000
	maxBatchBody  = 64 << 20
)

type batchItemResult struct {
	Index   int    `json:"index"`
	ID      string `json:"id,omitempty"`
	Message string `json:"message,omitempty"`
	Code    string `json:"code,omitempty"`
}

// createBatch takes {"requests": [...]} of users or events. Items are
// stored before the answer; each one that fails is listed under the
// job's errors and the rest are kept.
func (s *Server) createBatch(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.idempotentN(w, r, maxBatchBody, func(body []byte) (int, any, error) {
			var b struct {
				Requests []json.RawMessage `json:"requests"`
			}
			if err := unmarshal(body, &b); err != nil {
				return 0, nil, err
			}
			if len(b.Requests) == 0 {
				return 0, nil, event.Errorf(event.CodeRequired, "requests: at least one item is required")
			}
			if len(b.Requests) > maxBatchItems {
				return 0, nil, event.Errorf(event.CodeTooLarge, "requests: at most %d items", maxBatchItems)
			}
			job := s.runBatch(r, kind, b.Requests)
			if err := s.Jobs.SaveBatchJob(r.Context(), job); err != nil {
				return 0, nil, err
			}
			return http.StatusOK, map[string]any{"job": map[string]any{
				"id": job.ID, "status": "PROCESSING", "created": rfc3339ms(job.Created)}}, nil
		})
	}
}

func (s *Server) runBatch(r *http.Request, kind string, items []json.RawMessage) event.BatchJob {
	org := callerOf(r.Context()).Org
	job := event.BatchJob{ID: "job_" + randomID(), OrgID: org, Kind: kind, Created: s.now()}
	var imports, errs []batchItemResult
	for i, raw := range items {
		id, err := s.batchItem(r, kind, raw)
		if err != nil {
			if event.ErrorCode(err) == event.CodeInternal {
				s.Log.ErrorContext(r.Context(), "batch item failed", "job_id", job.ID, "index", i, "err", err)
			}
			errs = append(errs, batchItemResult{Index: i, Message: fmt.Sprintf("requests[%d]: %v", i, err),
				Code: string(event.ErrorCode(err))})
			continue
		}
		imports = append(imports, batchItemResult{Index: i, ID: id})
	}
	job.Status, job.Finished = "COMPLETED", s.now()
	job.Imports, job.Errors = len(imports), len(errs)
	job.Results, _ = json.Marshal(map[string]any{"imports": imports, "errors": errs})
	return job
}

func (s *Server) batchItem(r *http.Request, kind string, raw json.RawMessage) (string, error) {
	org := callerOf(r.Context()).Org
	if kind == "users" {
		var b userBody
		if err := unmarshal(raw, &b); err != nil {
			return "", err
		}
		in, err := b.input()
		if err != nil {
			return "", err
		}
		p, err := s.Capture.UpsertUser(r.Context(), org, in)
		return strconv.FormatInt(int64(p.IndvID), 10), err
	}
	var b eventBody
	if err := unmarshal(raw, &b); err != nil {
		return "", err
	}
	e, err := b.serverEvent()
	if err != nil {
		return "", err
	}
	if err := s.Capture.AddServerEvent(r.Context(), org, e); err != nil {
		return "", err
	}
	EventsIngested.WithLabelValues("v2_batch").Inc()
	return "", nil
}

func (s *Server) batchJob(w http.ResponseWriter, r *http.Request) (event.BatchJob, bool) {
	job, err := s.Jobs.BatchJob(r.Context(), callerOf(r.Context()).Org, chi.URLParam(r, "job"))
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, event.NotFound("batch job %q does not exist", chi.URLParam(r, "job")))
		return job, false
	}
	if err != nil {
		s.fail(w, r, err)
		return job, false
	}
	return job, true
}

func (s *Server) getBatch(w http.ResponseWriter, r *http.Request) {
	job, ok := s.batchJob(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"job": map[string]any{
		"id": job.ID, "status": job.Status, "created": rfc3339ms(job.Created),
		"finished": rfc3339ms(job.Finished)},
		"imports": job.Imports, "errors": job.Errors})
}

func (s *Server) getBatchList(which string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		job, ok := s.batchJob(w, r)
		if !ok {
			return
		}
		var res map[string]json.RawMessage
		json.Unmarshal(job.Results, &res)
		list := res[which]
		if len(list) == 0 || string(list) == "null" {
			list = json.RawMessage("[]")
		}
		writeJSON(w, http.StatusOK, map[string]any{"results": list, "total_records": countOf(list)})
	}
}

func countOf(list json.RawMessage) int {
	var items []json.RawMessage
	json.Unmarshal(list, &items)
	return len(items)
}
