package httpapi

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
)

// listKeys is GET /keys/v1 (admin keys only): the org's keys, newest
// first, without their secrets: the id, name, role, creation time, the
// last four characters and whether the key was revoked.
func (s *Server) listKeys(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r.Context())
	if c.Role != event.RoleAdmin {
		writeError(w, event.Errorf(event.CodeForbidden, "only an admin key may list keys"))
		return
	}
	keys, err := s.Meta.Keys(r.Context(), c.Org)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list := make([]map[string]any, len(keys))
	for i, k := range keys {
		list[i] = map[string]any{
			"id":       k.ID,
			"name":     k.Name,
			"role":     k.Role,
			"created":  rfc3339ms(k.Created),
			"lastFour": k.LastFour,
			"revoked":  k.Revoked,
			"current":  k.ID == c.KeyID,
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": list})
}

// revokeKey is DELETE /keys/v1/{id} (admin keys only). A key cannot
// revoke itself, so an admin cannot lock everyone out by mistake.
func (s *Server) revokeKey(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r.Context())
	if c.Role != event.RoleAdmin {
		writeError(w, event.Errorf(event.CodeForbidden, "only an admin key may revoke keys"))
		return
	}
	id := chi.URLParam(r, "id")
	if id == c.KeyID {
		writeError(w, event.Errorf(event.CodeConflict, "a key cannot revoke "+
			"itself; revoke it with another admin key"))
		return
	}
	err := s.Meta.RevokeKey(r.Context(), c.Org, id)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, event.NotFound("key %q does not exist", id))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}
