// Package web holds the web UI's templates and static files, embedded in
// the binary: nothing is fetched from outside at run time. The HTTP
// handlers live in internal/httpapi; this package only renders pages and
// serves the files they load.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Page is what every page template receives.
type Page struct {
	// Title is the page's name, shown in the tab and the heading.
	Title string
	// Nav names the navigation entry to mark current: segments,
	// exports, live or settings.
	Nav string
	// CSRF is the token the page's scripts send in X-Backstory-CSRF.
	CSRF string
	// Org and Role describe who is signed in; empty on the sign-in page.
	Org  string
	Role string
	// Script is the page's module under static/, e.g. "segments.js".
	Script string
	// Data is the page's own data.
	Data any
}

// UI renders pages and serves static files.
type UI struct {
	pages   map[string]*template.Template
	static  fs.FS
	version map[string]string // file name to content hash, for cache busting
}

// New parses the templates and indexes the static files. It fails only
// when the embedded files are broken, which the package's tests catch.
func New() (*UI, error) {
	ui := &UI{pages: map[string]*template.Template{}, version: map[string]string{}}
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	ui.static = sub
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ui.version[p] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("index static files: %w", err)
	}

	// Every page is parsed with the layout and the shared parts, whose
	// names start with an underscore.
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	shared := []string{"templates/layout.html"}
	for _, name := range names {
		if strings.HasPrefix(path.Base(name), "_") {
			shared = append(shared, name)
		}
	}
	funcs := template.FuncMap{"asset": ui.Asset}
	for _, name := range names {
		page := strings.TrimSuffix(path.Base(name), ".html")
		if page == "layout" || strings.HasPrefix(page, "_") {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).
			ParseFS(templateFS, append(shared, name)...)
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", page, err)
		}
		ui.pages[page] = t
	}
	return ui, nil
}

// Asset is the URL of a static file, with its content hash so that
// browsers may cache it for good.
func (ui *UI) Asset(name string) string {
	return "/ui/static/" + name + "?v=" + ui.version[name]
}

// Render writes a page with the given HTTP status.
func (ui *UI) Render(w http.ResponseWriter, status int, name string, p Page) error {
	t, ok := ui.pages[name]
	if !ok {
		return fmt.Errorf("render: no page %q", name)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// ServeStatic serves a file under static/ by its name.
func (ui *UI) ServeStatic(w http.ResponseWriter, r *http.Request, name string) {
	f, err := ui.static.Open(name)
	if err != nil || ui.version[name] == "" {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	ctype := mime.TypeByExtension(path.Ext(name))
	if path.Ext(name) == ".js" {
		ctype = "text/javascript; charset=utf-8"
	}
	w.Header().Set("Content-Type", ctype)
	if r.URL.Query().Get("v") == ui.version[name] {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	w.Header().Set("ETag", `"`+ui.version[name]+`"`)
	if r.Header.Get("If-None-Match") == `"`+ui.version[name]+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	io.Copy(w, f.(io.Reader))
}
