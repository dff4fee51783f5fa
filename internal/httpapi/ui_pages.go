package httpapi

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/recorder"
	"github.com/backstory-dev/backstory/internal/web"
)

// uiPages renders the web UI's pages. A page carries only its frame and
// the session's CSRF token; its script fetches the data from the API.
type uiPages struct {
	s  *Server
	ui *web.UI
}

// uiSessionKey holds the signed-in session of a page request.
const uiSessionKey ctxKey = 100

// requireSession sends a browser without a valid session to sign in,
// then back to the page it asked for.
func (p *uiPages) requireSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uiHeaders(w)
		sess, ok := p.s.readSession(r)
		var k event.APIKey
		var err error
		if ok {
			k, err = p.s.uiKey(r.Context(), sess)
		}
		if err != nil && event.ErrorCode(err) == event.CodeInternal {
			p.s.fail(w, r, err)
			return
		}
		if !ok || err != nil {
			target := "/ui/sign-in?next=" + url.QueryEscape(r.URL.RequestURI())
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		ctx := context.WithValue(r.Context(), callerKey,
			caller{Org: k.OrgID, Role: k.Role, KeyID: k.ID})
		ctx = context.WithValue(ctx, uiSessionKey, sess)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// render writes a signed-in page.
func (p *uiPages) render(w http.ResponseWriter, r *http.Request, name string, pg web.Page) {
	sess, _ := r.Context().Value(uiSessionKey).(uiSession)
	c := callerOf(r.Context())
	pg.CSRF, pg.Org, pg.Role = p.s.csrfToken(sess), string(c.Org), string(c.Role)
	if err := p.ui.Render(w, http.StatusOK, name, pg); err != nil {
		p.s.Log.ErrorContext(r.Context(), "render page", "page", name, "err", err)
	}
}

func (p *uiPages) segments(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, "segments", web.Page{Title: "Segments", Nav: "segments",
		Script: "segments.js"})
}

// builderData is what the segment builder page needs from the server.
type builderData struct {
	SegmentID string // "" for a new segment
}

func (p *uiPages) builder(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	title := "Segment"
	if id == "" {
		title = "New segment"
	}
	p.render(w, r, "builder", web.Page{Title: title, Nav: "segments",
		Script: "builder.js", Data: builderData{SegmentID: id}})
}

func (p *uiPages) exports(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, "exports", web.Page{Title: "Exports", Nav: "exports",
		Script: "exports.js"})
}

func (p *uiPages) live(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, "live", web.Page{Title: "Live events", Nav: "live",
		Script: "live.js"})
}

// settingsData is what the settings page shows besides the keys.
type settingsData struct {
	Snippet string
	IsAdmin bool
}

func (p *uiPages) settings(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r.Context())
	p.render(w, r, "settings", web.Page{Title: "Settings", Nav: "settings",
		Script: "settings.js", Data: settingsData{
			Snippet: recorder.Snippet(string(c.Org), p.s.BaseURL),
			IsAdmin: c.Role == event.RoleAdmin}})
}

// signInData is what the sign-in page shows.
type signInData struct {
	Next      string
	Error     string
	SignedOut bool
}

// safeNext keeps a post-sign-in redirect inside the UI.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/ui/") || strings.HasPrefix(next, "/ui/sign-") ||
		strings.ContainsAny(next, "\\\r\n") || strings.Contains(next, "//") {
		return "/ui/segments"
	}
	return next
}

func (p *uiPages) signInPage(w http.ResponseWriter, r *http.Request) {
	uiHeaders(w)
	next := safeNext(r.URL.Query().Get("next"))
	if sess, ok := p.s.readSession(r); ok {
		if _, err := p.s.uiKey(r.Context(), sess); err == nil {
			http.Redirect(w, r, next, http.StatusSeeOther)
			return
		}
	}
	p.signInForm(w, r, http.StatusOK, signInData{Next: next,
		SignedOut: r.URL.Query().Has("signed-out")})
}

func (p *uiPages) signInForm(w http.ResponseWriter, r *http.Request, status int, d signInData) {
	err := p.ui.Render(w, status, "signin", web.Page{Title: "Sign in",
		Data: d})
	if err != nil {
		p.s.Log.ErrorContext(r.Context(), "render page", "page", "signin", "err", err)
	}
}

// signIn checks the key typed into the form and starts a session. Only
// admin and architect keys may sign in: standard keys only send data.
func (p *uiPages) signIn(w http.ResponseWriter, r *http.Request) {
	uiHeaders(w)
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		p.signInForm(w, r, http.StatusBadRequest, signInData{Next: "/ui/segments",
			Error: "The form could not be read; try again."})
		return
	}
	d := signInData{Next: safeNext(r.PostForm.Get("next"))}
	// A form posted from another site could sign a browser in to an
	// account that site controls; browsers always send Origin on a POST.
	if !sameOrigin(r) {
		d.Error = "Sign in from this server's own page."
		p.signInForm(w, r, http.StatusForbidden, d)
		return
	}
	raw := strings.TrimSpace(r.PostForm.Get("key"))
	if raw == "" {
		d.Error = "Enter an API key."
		p.signInForm(w, r, http.StatusBadRequest, d)
		return
	}
	k, err := p.s.checkKey(r.Context(), raw)
	if err != nil && event.ErrorCode(err) == event.CodeInternal {
		p.s.Log.ErrorContext(r.Context(), "sign in", "err", err)
		d.Error = "The server could not check the key; try again."
		p.signInForm(w, r, http.StatusInternalServerError, d)
		return
	}
	if err != nil {
		d.Error = "That key is not valid: it is unknown or was revoked."
		p.signInForm(w, r, http.StatusUnauthorized, d)
		return
	}
	if !k.Role.CanExport() {
		d.Error = "Standard keys can only send data and cannot sign in. " +
			"Use an admin or architect key."
		p.signInForm(w, r, http.StatusForbidden, d)
		return
	}
	_, value := p.s.newSession(k.ID)
	p.s.setSessionCookie(w, r, value)
	p.s.Log.InfoContext(r.Context(), "ui sign in", "key_id", k.ID, "role", string(k.Role))
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

// signOut ends the session and clears the cookie. The form carries the
// CSRF token so that another site cannot sign people out.
func (p *uiPages) signOut(w http.ResponseWriter, r *http.Request) {
	uiHeaders(w)
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	r.ParseForm()
	sess, ok := p.s.readSession(r)
	if ok && r.PostForm.Get("csrf") != p.s.csrfToken(sess) {
		writeError(w, event.Errorf(event.CodeForbidden, "sign out from the "+
			"UI's own button"))
		return
	}
	if ok {
		p.s.endSession(sess)
	}
	p.s.setSessionCookie(w, r, "")
	http.Redirect(w, r, "/ui/sign-in?signed-out", http.StatusSeeOther)
}
