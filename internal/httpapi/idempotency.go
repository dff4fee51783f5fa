package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
)

// idemWindow is how long an Idempotency-Key is remembered.
const idemWindow = 24 * time.Hour

// idempotent runs a create call once per Idempotency-Key: the same key
// with the same body within 24 hours gets the first answer again, and the
// same key with another body is a 409.
func (s *Server) idempotent(w http.ResponseWriter, r *http.Request, do func(body []byte) (int, any, error)) {
	s.idempotentN(w, r, maxBody, do)
}

// idempotentN is idempotent with a body limit of its own.
func (s *Server) idempotentN(w http.ResponseWriter, r *http.Request, limit int64, do func(body []byte) (int, any, error)) {
	body, err := readBody(w, r, limit)
	if err != nil {
		writeError(w, err)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		s.answer(w, r, do, body)
		return
	}
	org := callerOf(r.Context()).Org
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	prev, err := s.Jobs.Idempotent(r.Context(), org, key, s.now().Add(-idemWindow))
	switch {
	case err == nil && prev.BodyHash != hash:
		writeError(w, event.Errorf(event.CodeConflict, "Idempotency-Key was "+
			"already used with a different body"))
		return
	case err == nil:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Idempotent-Replayed", "true")
		w.WriteHeader(prev.Status)
		w.Write(prev.Response)
		return
	case !errors.Is(err, store.ErrNotFound):
		s.fail(w, r, err)
		return
	}
	status, out, err := do(body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	resp, _ := json.Marshal(out)
	rec := store.IdemRecord{BodyHash: hash, Status: status, Response: resp}
	if err := s.Jobs.SaveIdempotent(r.Context(), org, key, rec, s.now()); err != nil {
		s.Log.WarnContext(r.Context(), "save idempotency record", "err", err)
	}
	writeJSON(w, status, out)
}

func (s *Server) answer(w http.ResponseWriter, r *http.Request, do func([]byte) (int, any, error), body []byte) {
	status, out, err := do(body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, status, out)
}
