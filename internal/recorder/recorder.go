// Package recorder serves the browser recorder script at /s/backstory.js,
// writes the snippet a site installs to load it, and serves the demo shop
// that has the snippet installed.
//
// The script's source is web/recorder/backstory.js; the file embedded
// here is its minified build (see web/recorder/README.md).
package recorder

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"html"
	"net/http"
	"strings"
)

//go:embed backstory.min.js
var script []byte

// ScriptPath is where the server serves the recorder.
const ScriptPath = "/s/backstory.js"

// Script returns the recorder as served, uncompressed.
func Script() []byte { return bytes.Clone(script) }

// ScriptHandler serves the recorder: gzipped when the client accepts it,
// with an ETag, cacheable for an hour so that a new version reaches every
// site within the hour.
func ScriptHandler() http.Handler {
	sum := sha256.Sum256(script)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	var zipped bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&zipped, gzip.BestCompression)
	zw.Write(script)
	zw.Close()

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/javascript; charset=utf-8")
		h.Set("Cache-Control", "public, max-age=3600")
		h.Set("ETag", etag)
		h.Set("Vary", "Accept-Encoding")
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
		h.Set("X-Content-Type-Options", "nosniff")
		if match := r.Header.Get("If-None-Match"); match == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		body := script
		if acceptsGzip(r) {
			h.Set("Content-Encoding", "gzip")
			body = zipped.Bytes()
		}
		if r.Method == http.MethodHead {
			return
		}
		w.Write(body)
	})
}

func acceptsGzip(r *http.Request) bool {
	for part := range strings.SplitSeq(r.Header.Get("Accept-Encoding"), ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") &&
			strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// stub defines window.FS until the recorder loads: every call, including
// the older FS.identify, FS.setUserVars and FS.event, is queued as
// [method, arguments] and replayed in order by the recorder.
const stub = `(function(w,q){if(w.FS)return;` +
	`var f=w.FS=function(){q.push(["",arguments])};f.q=q;` +
	`"identify setUserVars event log shutdown restart anonymize".split(" ")` +
	`.forEach(function(m){f[m]=function(){q.push([m,arguments])}})})(window,[]);`

// Snippet is the HTML a site puts in every page's <head> to record it for
// org on the server at baseURL (e.g. "https://backstory.example.com").
// An empty baseURL makes the script's address relative, for pages served
// by the Backstory server itself.
func Snippet(orgID, baseURL string) string {
	base := strings.TrimRight(baseURL, "/")
	cfg := struct {
		Org    string `json:"org"`
		Server string `json:"server,omitempty"`
	}{orgID, base}
	// json.Marshal escapes <, > and &, so no value can end the script.
	js, _ := json.Marshal(cfg)
	return "<script>\nwindow._backstory=" + string(js) + ";\n" + stub +
		"\n</script>\n<script async src=\"" + html.EscapeString(base+ScriptPath) +
		"\"></script>\n"
}
