package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"

	"github.com/backstory-dev/backstory/internal/event"
)

// createKey makes an API key (admin keys only). The secret is answered
// once and stored only as its hash.
func (s *Server) createKey(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r.Context())
	if c.Role != event.RoleAdmin {
		writeError(w, event.Errorf(event.CodeForbidden, "only an admin key may create keys"))
		return
	}
	var b struct {
		Role string `json:"role"`
		Name string `json:"name"`
	}
	if err := decodeJSON(w, r, &b); err != nil {
		writeError(w, err)
		return
	}
	role := event.Role(b.Role)
	if !event.ValidRole(role) {
		writeError(w, event.Invalid("role: %q is not admin, architect or standard", b.Role))
		return
	}
	var raw [24]byte
	rand.Read(raw[:])
	secret := "bsk_" + hex.EncodeToString(raw[:])
	k := event.APIKey{ID: KeyID(secret), OrgID: c.Org, Role: role, Name: b.Name,
		Hash: HashKey(secret), LastFour: secret[len(secret)-4:], Created: s.now()}
	if err := s.Meta.CreateKey(r.Context(), k); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": k.ID, "role": string(role), "key": secret})
}
