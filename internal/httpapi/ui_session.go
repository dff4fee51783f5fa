package httpapi

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
)

// The web UI keeps who is signed in in a cookie signed with the server's
// secret: the key's public id, an expiry and a random nonce. The cookie
// never holds the key itself, and every request looks the key up again,
// so revoking a key ends its sessions at once.
const (
	sessionCookie = "backstory_session"
	sessionTTL    = 12 * time.Hour
	csrfHeader    = "X-Backstory-CSRF"
)

// uiSession is a signed-in browser.
type uiSession struct {
	KeyID   string
	Expires time.Time
	Nonce   string
}

// signedOut remembers the nonces of sessions ended by signing out until
// they would have expired anyway. It lives in process memory: a restart
// forgets it, which the 12-hour expiry bounds.
var signedOut struct {
	sync.Mutex
	until map[string]time.Time
}

func (s *Server) sessionMAC(purpose, payload string) string {
	m := hmac.New(sha256.New, s.Signer.Secret)
	m.Write([]byte("backstory-ui-" + purpose + "\x00" + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// newSession mints a session for a key and its cookie value.
func (s *Server) newSession(keyID string) (uiSession, string) {
	var nonce [16]byte
	rand.Read(nonce[:])
	sess := uiSession{KeyID: keyID, Expires: s.now().Add(sessionTTL),
		Nonce: base64.RawURLEncoding.EncodeToString(nonce[:])}
	payload := sess.KeyID + "." + strconv.FormatInt(sess.Expires.Unix(), 10) +
		"." + sess.Nonce
	return sess, payload + "." + s.sessionMAC("session", payload)
}

// readSession checks the request's session cookie: its signature, its
// expiry, and that nobody signed it out. It does not look at the key.
func (s *Server) readSession(r *http.Request) (uiSession, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return uiSession{}, false
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 4 {
		return uiSession{}, false
	}
	payload := strings.Join(parts[:3], ".")
	if !hmac.Equal([]byte(parts[3]), []byte(s.sessionMAC("session", payload))) {
		return uiSession{}, false
	}
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return uiSession{}, false
	}
	sess := uiSession{KeyID: parts[0], Expires: time.Unix(exp, 0).UTC(), Nonce: parts[2]}
	if !s.now().Before(sess.Expires) {
		return uiSession{}, false
	}
	signedOut.Lock()
	_, out := signedOut.until[sess.Nonce]
	signedOut.Unlock()
	return sess, !out
}

// endSession signs a session out on this server.
func (s *Server) endSession(sess uiSession) {
	now := s.now()
	signedOut.Lock()
	defer signedOut.Unlock()
	if signedOut.until == nil {
		signedOut.until = map[string]time.Time{}
	}
	for n, t := range signedOut.until {
		if !now.Before(t) {
			delete(signedOut.until, n)
		}
	}
	signedOut.until[sess.Nonce] = sess.Expires
}

// csrfToken is the token a session's pages send with every change. It
// is derived from the session, so a page of another session cannot
// reuse it, and a site that cannot read our pages cannot know it.
func (s *Server) csrfToken(sess uiSession) string {
	return s.sessionMAC("csrf", sess.Nonce)
}

// secureCookies reports whether the session cookie is marked Secure.
// It is, unless the server is reached over plain HTTP at a name other
// than loopback: browsers would then never send it back.
func (s *Server) secureCookies(r *http.Request) bool {
	if r.TLS != nil || strings.HasPrefix(s.BaseURL, "https://") ||
		r.Header.Get("X-Forwarded-Proto") == "https" {
		return true
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return host == "localhost" || host == "::1" || strings.HasPrefix(host, "127.")
}

// setSessionCookie sets the session cookie, or clears it when value is "".
func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, value string) {
	maxAge := int(sessionTTL.Seconds())
	if value == "" {
		maxAge = -1
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: value, Path: "/",
		MaxAge: maxAge, HttpOnly: true, Secure: s.secureCookies(r),
		SameSite: http.SameSiteStrictMode})
}

// uiKey finds the key behind a session and checks it may still sign in.
func (s *Server) uiKey(ctx context.Context, sess uiSession) (event.APIKey, error) {
	k, err := s.Meta.KeyByID(ctx, sess.KeyID)
	if errors.Is(err, store.ErrNotFound) || err == nil && (k.Revoked || !k.Role.CanExport()) {
		return k, event.Errorf(event.CodeUnauthorized, "the key this session "+
			"signed in with is no longer valid; sign in again")
	}
	return k, err
}

// sessionCaller is how authenticate accepts a signed-in browser: found
// reports whether the request carries a session cookie at all. A change
// (any method but GET, HEAD and OPTIONS) must also carry the session's
// CSRF token in the X-Backstory-CSRF header.
func (s *Server) sessionCaller(r *http.Request) (c caller, found bool, err error) {
	if _, err := r.Cookie(sessionCookie); err != nil {
		return c, false, nil
	}
	sess, ok := s.readSession(r)
	if !ok {
		return c, true, event.Errorf(event.CodeUnauthorized, "the session has "+
			"expired or was signed out; sign in again at /ui/sign-in")
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		got := r.Header.Get(csrfHeader)
		if !hmac.Equal([]byte(got), []byte(s.csrfToken(sess))) {
			return c, true, event.Errorf(event.CodeForbidden, "a change made "+
				"with the UI session must carry the page's token in the "+
				csrfHeader+" header")
		}
	}
	k, err := s.uiKey(r.Context(), sess)
	if err != nil {
		return c, true, err
	}
	return caller{Org: k.OrgID, Role: k.Role, KeyID: k.ID}, true, nil
}

// checkKey finds a raw key as authenticate does: unknown, revoked and
// wrong keys all answer the same error.
func (s *Server) checkKey(ctx context.Context, raw string) (event.APIKey, error) {
	k, err := s.Meta.KeyByID(ctx, KeyID(raw))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return k, err
	}
	if err != nil || k.Revoked || !hmac.Equal(k.Hash, HashKey(raw)) {
		return k, event.Errorf(event.CodeUnauthorized, "that key is not valid "+
			"(unknown or revoked)")
	}
	return k, nil
}

// sameOrigin reports whether a form post came from this server's own
// pages. Browsers send Origin with every POST, so a post without one did
// not come from another site's form in a browser.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	_, host, ok := strings.Cut(o, "://")
	return ok && host == r.Host
}
