package httpapi

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/backstory-dev/backstory/internal/event"
)

// makeToken makes an opaque, tamper-evident pagination token.
func (s *Server) makeToken(kind, cursor string) string {
	body := base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + cursor))
	m := hmac.New(sha256.New, s.Signer.Secret)
	m.Write([]byte(body))
	return body + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:12])
}

// readToken checks a token and returns its cursor.
func (s *Server) readToken(tok, kind string) (string, error) {
	body, sig, ok := strings.Cut(tok, ".")
	bad := event.Invalid("paginationToken: not a token this server issued")
	if !ok {
		return "", bad
	}
	m := hmac.New(sha256.New, s.Signer.Secret)
	m.Write([]byte(body))
	want := base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:12])
	if !hmac.Equal([]byte(want), []byte(sig)) {
		return "", bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return "", bad
	}
	cursor, ok := strings.CutPrefix(string(raw), kind+":")
	if !ok {
		return "", bad
	}
	return cursor, nil
}

// pageToken reads paginationToken or its snake_case twin.
func pageToken(r *http.Request) string {
	q := r.URL.Query()
	if t := q.Get("paginationToken"); t != "" {
		return t
	}
	return q.Get("pagination_token")
}

// randomID makes a short random id for new rows.
func randomID() string {
	var b [9]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
