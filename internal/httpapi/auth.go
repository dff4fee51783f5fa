package httpapi

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
)

// HashKey is the stored form of an API key: its SHA-256.
func HashKey(key string) []byte {
	sum := sha256.Sum256([]byte(key))
	return sum[:]
}

// KeyID is a key's public id, derived from its hash, used to find it.
func KeyID(key string) string {
	return hex.EncodeToString(HashKey(key))[:16]
}

type ctxKey int

const callerKey ctxKey = iota

// caller is who made a request.
type caller struct {
	Org   event.OrgID
	Role  event.Role
	KeyID string
}

func callerOf(ctx context.Context) caller {
	c, _ := ctx.Value(callerKey).(caller)
	return c
}

// authenticate accepts "Basic <key>" (the raw key, as the hosted API
// takes it) or "Bearer <key>", or the web UI's session cookie (see
// sessionCaller), and answers 401 otherwise.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, ok := bearer(r.Header.Get("Authorization"))
		if !ok {
			// A browser signed in to the web UI sends its session instead.
			if c, found, err := s.sessionCaller(r); found {
				if err != nil {
					s.fail(w, r, err)
					return
				}
				next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey, c)))
				return
			}
			writeError(w, event.Errorf(event.CodeUnauthorized, "missing API key: "+
				"send Authorization: Basic <key>"))
			return
		}
		k, err := s.Meta.KeyByID(r.Context(), KeyID(key))
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.fail(w, r, err)
			return
		}
		if err != nil || k.Revoked || !hmac.Equal(k.Hash, HashKey(key)) {
			writeError(w, event.Errorf(event.CodeUnauthorized, "the API key is "+
				"not valid (unknown or revoked)"))
			return
		}
		c := caller{Org: k.OrgID, Role: k.Role, KeyID: k.ID}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey, c)))
	})
}

func bearer(h string) (string, bool) {
	for _, p := range []string{"Basic ", "Bearer ", "basic ", "bearer "} {
		if k, ok := strings.CutPrefix(h, p); ok && strings.TrimSpace(k) != "" {
			return strings.TrimSpace(k), true
		}
	}
	return "", false
}

// requireExport lets only admin and architect keys through.
func requireExport(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !callerOf(r.Context()).Role.CanExport() {
			writeError(w, event.Errorf(event.CodeForbidden, "this key's role "+
				"(standard) may only send data; use an admin or architect key"))
			return
		}
		next.ServeHTTP(w, r)
	})
}
