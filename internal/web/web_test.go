package web

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// TestPagesRender renders every page with the layout and checks that
// each asset it links to is embedded, and that no page loads anything
// from another host.
func TestPagesRender(t *testing.T) {
	ui, err := New()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"signin", "segments", "builder", "exports", "live", "settings"}
	for _, name := range want {
		if _, ok := ui.pages[name]; !ok {
			t.Errorf("no page %q", name)
		}
	}
	links := regexp.MustCompile(`(?:src|href)="([^"]+)"`)
	for name := range ui.pages {
		rec := httptest.NewRecorder()
		script := name + ".js"
		if name == "signin" {
			script = ""
		}
		p := Page{Title: "T", Nav: "segments", CSRF: "tok", Org: "o-1", Role: "admin",
			Script: script, Data: pageData(name)}
		if err := ui.Render(rec, http.StatusOK, name, p); err != nil {
			t.Errorf("render %s: %v", name, err)
			continue
		}
		html := rec.Body.String()
		if !strings.Contains(html, `content="tok"`) {
			t.Errorf("%s: the CSRF token is not in the page", name)
		}
		for _, m := range links.FindAllStringSubmatch(html, -1) {
			u := m[1]
			if strings.Contains(u, "//") {
				t.Errorf("%s links to another host: %s", name, u)
			}
			asset, ok := strings.CutPrefix(u, "/ui/static/")
			if !ok {
				continue
			}
			asset, _, _ = strings.Cut(asset, "?")
			if _, err := fs.Stat(ui.static, asset); err != nil {
				t.Errorf("%s links to %s, which is not embedded", name, u)
			}
		}
	}
}

// pageData is the data each page's template reads.
func pageData(name string) any {
	switch name {
	case "signin":
		return struct {
			Next, Error string
			SignedOut   bool
		}{"/ui/segments", "wrong key", true}
	case "builder":
		return struct{ SegmentID string }{"seg_1"}
	case "settings":
		return struct {
			Snippet string
			IsAdmin bool
		}{"<script></script>", true}
	}
	return nil
}

// TestStaticFiles checks the static handler: types, versioned caching,
// and 404 for anything not embedded.
func TestStaticFiles(t *testing.T) {
	ui, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, query, ctype, cache string
		status                    int
	}{
		{"app.js", "", "text/javascript; charset=utf-8", "no-cache", 200},
		{"app.css", "?v=" + ui.version["app.css"], "text/css; charset=utf-8", "public, max-age=31536000, immutable", 200},
		{"icon.svg", "", "image/svg+xml", "no-cache", 200},
		{"nope.js", "", "", "", 404},
		{"../web.go", "", "", "", 404},
	} {
		rec := httptest.NewRecorder()
		ui.ServeStatic(rec, httptest.NewRequest("GET", "/ui/static/"+tc.name+tc.query, nil), tc.name)
		if rec.Code != tc.status {
			t.Errorf("%s: HTTP %d, want %d", tc.name, rec.Code, tc.status)
			continue
		}
		if tc.status != 200 {
			continue
		}
		if got := rec.Header().Get("Content-Type"); got != tc.ctype {
			t.Errorf("%s: Content-Type %q, want %q", tc.name, got, tc.ctype)
		}
		if got := rec.Header().Get("Cache-Control"); got != tc.cache {
			t.Errorf("%s: Cache-Control %q, want %q", tc.name, got, tc.cache)
		}
	}
	if !strings.HasPrefix(ui.Asset("app.js"), "/ui/static/app.js?v=") {
		t.Errorf("Asset(app.js) = %q", ui.Asset("app.js"))
	}
}
