package httpapi

import (
	"net/http"
	"sync"

	"github.com/go-chi/chi/v5"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/web"
)

// loadUI parses the embedded templates once per process.
var loadUI = sync.OnceValues(web.New)

// mountUI serves the web UI under /ui/: pages rendered from embedded
// templates, whose scripts call the same JSON API as any client, plus a
// few read-only helpers under /ui/api/ for the builder's pickers, the
// export dialog's field list and the live event view. It also adds the
// key listing and revocation the settings page uses.
func (s *Server) mountUI(r chi.Router) {
	ui, err := loadUI()
	if err != nil {
		// The embedded files are part of the build; the web package's
		// tests catch a broken one, so this only guards a bad build.
		s.Log.Error("web UI disabled: its embedded files do not parse", "err", err)
		r.HandleFunc("/ui/*", func(w http.ResponseWriter, r *http.Request) {
			writeError(w, event.Errorf(event.CodeInternal, "the web UI is unavailable"))
		})
		return
	}
	pages := &uiPages{s: s, ui: ui}

	r.Get("/ui", redirectTo("/ui/segments"))
	r.Get("/ui/", redirectTo("/ui/segments"))
	r.Get("/ui/static/*", func(w http.ResponseWriter, r *http.Request) {
		uiHeaders(w)
		ui.ServeStatic(w, r, chi.URLParam(r, "*"))
	})
	r.Get("/ui/sign-in", pages.signInPage)
	r.Post("/ui/sign-in", pages.signIn)
	r.Post("/ui/sign-out", pages.signOut)

	r.Group(func(r chi.Router) {
		r.Use(pages.requireSession)
		r.Get("/ui/segments", pages.segments)
		r.Get("/ui/segments/new", pages.builder)
		r.Get("/ui/segments/{id}", pages.builder)
		r.Get("/ui/exports", pages.exports)
		r.Get("/ui/live", pages.live)
		r.Get("/ui/settings", pages.settings)
	})

	r.Group(func(r chi.Router) {
		r.Use(s.authenticate, requireExport)
		r.Get("/ui/api/catalog", s.uiCatalog)
		r.Get("/ui/api/suggest", s.uiSuggest)
		r.Get("/ui/api/fields", s.uiFields)
		r.Get("/ui/api/events", s.uiEvents)
		r.Get("/ui/api/operations", s.uiOperationDetails)
	})

	r.With(s.authenticate).Get("/keys/v1", s.listKeys)
	r.With(s.authenticate).Delete("/keys/v1/{id}", s.revokeKey)
}

func redirectTo(path string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, path, http.StatusSeeOther)
	}
}

// uiHeaders locks pages down: only our own scripts, styles and API, no
// framing, no sniffing, and no referrer leaving the site.
func uiHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; "+
		"style-src 'self'; img-src 'self' data:; connect-src 'self'; "+
		"object-src 'none'; base-uri 'none'; form-action 'self'; "+
		"frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
}
