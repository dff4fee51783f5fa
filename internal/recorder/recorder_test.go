package recorder

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// TestBuildIsFresh fails when web/recorder/backstory.js changed after the
// embedded build was made: the build's first line names the source's hash.
func TestBuildIsFresh(t *testing.T) {
	src, err := os.ReadFile("../../web/recorder/backstory.js")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(src)
	first, _, _ := strings.Cut(string(script), "\n")
	if want := "sha256:" + hex.EncodeToString(sum[:]); !strings.HasSuffix(first, want) {
		t.Errorf("backstory.min.js was built from another source (%q, want %s);\n"+
			"rebuild: cd web/recorder && npm ci && npm run build", first, want)
	}
}

func TestSnippet(t *testing.T) {
	for _, tc := range []struct {
		name, org, base string
		want            []string
	}{
		{"absolute", "o-123", "https://bs.example.com/",
			[]string{`window._backstory={"org":"o-123","server":"https://bs.example.com"};`,
				`<script async src="https://bs.example.com/s/backstory.js"></script>`}},
		{"same server", "o-1", "",
			[]string{`window._backstory={"org":"o-1"};`,
				`<script async src="/s/backstory.js"></script>`}},
		{"hostile values stay inside their strings", `</script><b>"`, `https://x/"><img`,
			[]string{`"org":"\u003c/script\u003e\u003cb\u003e\""`,
				`src="https://x/&#34;&gt;&lt;img/s/backstory.js"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Snippet(tc.org, tc.base)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("Snippet(%q, %q) =\n%s\nwant it to contain %s", tc.org, tc.base, got, w)
				}
			}
			if n := strings.Count(got, "</script>"); n != 2 {
				t.Errorf("snippet has %d </script>, want 2", n)
			}
		})
	}
}

func TestScriptHandler(t *testing.T) {
	srv := httptest.NewServer(ScriptHandler())
	defer srv.Close()
	get := func(header map[string]string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", srv.URL+ScriptPath, nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, body
	}

	resp, plain := get(nil)
	if resp.StatusCode != 200 || !bytes.Equal(plain, script) {
		t.Fatalf("plain GET: HTTP %d, %d bytes; want 200 and the script", resp.StatusCode, len(plain))
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		t.Errorf("Content-Type = %q, want text/javascript", ct)
	}

	resp, zipped := get(map[string]string{"Accept-Encoding": "br, gzip"})
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding = %q, want gzip", resp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipped))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, _ := io.ReadAll(zr)
	if !bytes.Equal(unzipped, script) {
		t.Error("gzipped body does not unzip to the script")
	}
	t.Logf("recorder: %d bytes, %d gzipped", len(script), len(zipped))

	resp, body := get(map[string]string{"If-None-Match": resp.Header.Get("ETag")})
	if resp.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Errorf("conditional GET: HTTP %d with %d bytes, want 304 and none", resp.StatusCode, len(body))
	}
}

func TestShopRoutes(t *testing.T) {
	srv := httptest.NewServer(Shop("o-shop", ShopPath, ""))
	defer srv.Close()
	for _, tc := range []struct {
		method, path string
		status       int
		contains     string
	}{
		{"GET", "/demo/shop/", 200, `"org":"o-shop"`},
		{"GET", "/demo/shop/market", 200, `<main id="view">`},
		{"GET", "/demo/shop/checkout", 200, `data-backstory-exclude`},
		{"GET", "/demo/shop/shop.js", 200, "couponService"},
		{"GET", "/demo/shop/api/products", 200, `"Mango"`},
		{"POST", "/demo/shop/api/order", 402, "declined"},
		{"GET", "/demo/shop/api/order", 405, ""},
		{"GET", "/demo/shop/nope", 404, ""},
		{"GET", "/elsewhere", 404, ""},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.contains) {
			t.Errorf("%s %s: HTTP %d, body contains %q: %v; want %d",
				tc.method, tc.path, resp.StatusCode, tc.contains,
				strings.Contains(string(body), tc.contains), tc.status)
		}
	}
}
