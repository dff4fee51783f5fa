package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/backstory-dev/backstory/internal/capture"
	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
)

// Batch limits: up to 50,000 items, and a body cap to match.
const (
	maxBatchItems = 50_000
	maxBatchBody  = 64 << 20
)

// batchFailure is one item that could not be imported, shaped as the
// hosted API's FailedUserImport and FailedEventsImport.
type batchFailure struct {
	Message string          `json:"message"`
	Code    string          `json:"code"`
	User    json.RawMessage `json:"user,omitempty"`
	index   int             // the item's place in the request
	Event   json.RawMessage `json:"event,omitempty"`
}

// createBatch takes {"requests": [...]} of users or events. Items are
// stored before the answer; each one that fails is listed under the
// job's errors and the rest are kept.
func (s *Server) createBatch(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.idempotentN(w, r, maxBatchBody, func(body []byte) (int, any, error) {
			job, err := s.runBatch(r, kind, body)
			if err != nil {
				return 0, nil, err
			}
			if err := s.Jobs.SaveBatchJob(r.Context(), job); err != nil {
				return 0, nil, err
			}
			return http.StatusOK, map[string]any{"job": map[string]any{
				"id": job.ID, "status": "PROCESSING", "created": rfc3339ms(job.Created)}}, nil
		})
	}
}

func (s *Server) runBatch(r *http.Request, kind string, body []byte) (event.BatchJob, error) {
	org := callerOf(r.Context()).Org
	job := event.BatchJob{ID: "job_" + randomID(), OrgID: org, Kind: kind, Created: s.now()}
	var imports []json.RawMessage
	var fails []batchFailure
	fail := func(i int, raw json.RawMessage, err error) {
		f := batchFailure{Message: fmt.Sprintf("requests[%d]: %v", i, err),
			Code: string(event.ErrorCode(err)), index: i}
		if kind == "users" {
			f.User = raw
		} else {
			f.Event = raw
		}
		fails = append(fails, f)
	}
	if kind == "users" {
		users, raws, errs, err := readBatch[userBody](body, maxBatchItems)
		if err != nil {
			return job, err
		}
		for i, b := range users {
			if errs[i] != nil {
				fail(i, raws[i], errs[i])
				continue
			}
			p, err := s.batchUser(r, b)
			if event.ErrorCode(err) == event.CodeInternal && err != nil {
				return job, err
			}
			if err != nil {
				fail(i, raws[i], err)
				continue
			}
			raw, err := json.Marshal(userJSON(p))
			if err != nil {
				return job, err
			}
			imports = append(imports, raw)
		}
	} else {
		bodies, raws, errs, err := readBatch[eventBody](body, maxBatchItems)
		if err != nil {
			return job, err
		}
		var evs []capture.ServerEvent
		var idx []int
		for i, b := range bodies {
			err := errs[i]
			var e capture.ServerEvent
			if err == nil {
				e, err = b.serverEvent()
			}
			if err != nil {
				fail(i, raws[i], err)
				continue
			}
			evs, idx = append(evs, e), append(idx, i)
		}
		errs, err = s.Capture.AddServerEvents(r.Context(), org, evs)
		if err != nil {
			return job, err
		}
		for j, err := range errs {
			if err != nil {
				fail(idx[j], raws[idx[j]], err)
				continue
			}
			imports = append(imports, raws[idx[j]])
		}
		EventsIngested.WithLabelValues("v2_batch").Add(float64(len(evs) - countErrs(errs)))
	}
	// As the hosted API: COMPLETED means no item failed; FAILED means some
	// (or all) did, and the stored ones are still listed under imports.
	job.Status, job.Finished = "COMPLETED", s.now()
	if len(fails) > 0 {
		job.Status = "FAILED"
	}
	job.Imports, job.Errors = len(imports), len(fails)
	// Items that failed to decode are listed as they were read, the
	// rest after storing; callers expect them in request order.
	slices.SortStableFunc(fails, func(a, b batchFailure) int { return a.index - b.index })
	job.Results = batchResults(imports, fails)
	return job, nil
}

// batchResults is a job's stored results: {"imports": [...], "errors":
// [...]}. The imports are request items, valid JSON (and UTF-8) already,
// so they are written as they came rather than re-encoded.
func batchResults(imports []json.RawMessage, fails []batchFailure) []byte {
	n := 32
	for _, raw := range imports {
		n += len(raw) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, `{"imports":[`...)
	for i, raw := range imports {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, raw...)
	}
	b = append(b, `],"errors":`...)
	if fails == nil {
		fails = []batchFailure{}
	}
	errs, _ := json.Marshal(fails)
	b = append(b, errs...)
	return append(b, '}')
}

func countErrs(errs []error) int {
	n := 0
	for _, e := range errs {
		if e != nil {
			n++
		}
	}
	return n
}

func (s *Server) batchUser(r *http.Request, b userBody) (event.Person, error) {
	in, err := b.input()
	if err != nil {
		return event.Person{}, err
	}
	return s.Capture.UpsertUser(r.Context(), callerOf(r.Context()).Org, in)
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
		writeJSON(w, http.StatusOK, map[string]any{"results": list,
			"total_records": strconv.Itoa(countOf(list))})
	}
}

func countOf(list json.RawMessage) int {
	var items []json.RawMessage
	json.Unmarshal(list, &items)
	return len(items)
}
