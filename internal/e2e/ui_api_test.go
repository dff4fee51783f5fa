package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/httpapi"
)

// uiClient is a browser-like client: it keeps cookies, never follows
// redirects, and sends the CSRF token it read from the last page.
type uiClient struct {
	t    *testing.T
	e    *env
	hc   *http.Client
	csrf string
}

func newUIClient(t *testing.T, e *env) *uiClient {
	jar := &cookieJar{}
	return &uiClient{t: t, e: e, hc: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// cookieJar keeps cookies however they are flagged: the test server is
// plain HTTP on loopback, where browsers accept Secure cookies too.
type cookieJar struct{ cookies []*http.Cookie }

func (j *cookieJar) SetCookies(_ *url.URL, cs []*http.Cookie) {
	for _, c := range cs {
		kept := j.cookies[:0]
		for _, old := range j.cookies {
			if old.Name != c.Name {
				kept = append(kept, old)
			}
		}
		j.cookies = kept
		if c.MaxAge >= 0 && c.Value != "" {
			j.cookies = append(j.cookies, c)
		}
	}
}

func (j *cookieJar) Cookies(*url.URL) []*http.Cookie { return j.cookies }

func (c *uiClient) session() *http.Cookie {
	for _, k := range c.hc.Jar.Cookies(nil) {
		if k.Name == "backstory_session" {
			return k
		}
	}
	return nil
}

// do sends a request; a non-GET carries the CSRF token when csrf is set.
func (c *uiClient) do(method, path string, body io.Reader, header map[string]string) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.e.srv.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if m := regexp.MustCompile(`name="backstory-csrf" content="([^"]*)"`).FindSubmatch(raw); m != nil {
		c.csrf = string(m[1])
	}
	return resp, string(raw)
}

func (c *uiClient) signIn(key string) *http.Response {
	c.t.Helper()
	form := url.Values{"key": {key}, "next": {"/ui/exports"}}
	resp, _ := c.do("POST", "/ui/sign-in", strings.NewReader(form.Encode()), map[string]string{
		"Content-Type": "application/x-www-form-urlencoded", "Origin": c.e.srv.URL})
	return resp
}

// TestUISessionAndCSRF checks the session cookie and the CSRF defence:
// the cookie stands in for the key on the API, changes need the page's
// token, and signing out, revoking the key or time end the session.
func TestUISessionAndCSRF(t *testing.T) {
	e := newEnv(t)
	c := newUIClient(t, e)

	resp := c.signIn(adminKey)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/exports" {
		t.Fatalf("sign in: HTTP %d to %q, want 303 to /ui/exports", resp.StatusCode, resp.Header.Get("Location"))
	}
	sess := c.session()
	if sess == nil {
		t.Fatal("no session cookie")
	}
	if strings.Contains(sess.Value, adminKey) || !sess.HttpOnly || sess.SameSite != http.SameSiteStrictMode || !sess.Secure {
		t.Errorf("session cookie %+v: want HttpOnly, Secure, SameSite=Strict, and no key in it", sess)
	}

	// A page carries the token; reads need only the cookie.
	if resp, _ := c.do("GET", "/ui/segments", nil, nil); resp.StatusCode != 200 || c.csrf == "" {
		t.Fatalf("segments page: HTTP %d, token %q", resp.StatusCode, c.csrf)
	}
	if resp, _ := c.do("GET", "/segments/v1", nil, nil); resp.StatusCode != 200 {
		t.Errorf("GET /segments/v1 with the session: HTTP %d, want 200", resp.StatusCode)
	}
	preview := `{"segmentId": "everyone"}`
	for _, tc := range []struct {
		name, token string
		want        int
	}{
		{"no token", "", 403},
		{"wrong token", "not-the-token", 403},
		{"the page's token", c.csrf, 200},
	} {
		h := map[string]string{"Content-Type": "application/json"}
		if tc.token != "" {
			h["X-Backstory-CSRF"] = tc.token
		}
		resp, body := c.do("POST", "/segments/v1/preview", strings.NewReader(preview), h)
		if resp.StatusCode != tc.want {
			t.Errorf("preview with %s: HTTP %d %s, want %d", tc.name, resp.StatusCode, body, tc.want)
		}
	}

	// A tampered cookie is no session.
	forged := *sess
	forged.Value = strings.Replace(sess.Value, ".", "x.", 1)
	jar := c.hc.Jar.(*cookieJar)
	jar.cookies = []*http.Cookie{&forged}
	if resp, _ := c.do("GET", "/segments/v1", nil, nil); resp.StatusCode != 401 {
		t.Errorf("tampered cookie: HTTP %d, want 401", resp.StatusCode)
	}
	if resp, _ := c.do("GET", "/ui/segments", nil, nil); resp.StatusCode != 303 ||
		!strings.HasPrefix(resp.Header.Get("Location"), "/ui/sign-in?next=") {
		t.Errorf("tampered cookie on a page: HTTP %d to %q, want a redirect to sign in",
			resp.StatusCode, resp.Header.Get("Location"))
	}

	// Signing out ends the session on the server, not just the cookie.
	jar.cookies = []*http.Cookie{sess}
	c.do("GET", "/ui/settings", nil, nil)
	form := url.Values{"csrf": {c.csrf}}
	resp, _ = c.do("POST", "/ui/sign-out", strings.NewReader(form.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if resp.StatusCode != 303 || c.session() != nil {
		t.Errorf("sign out: HTTP %d, cookie %v; want 303 and the cookie cleared", resp.StatusCode, c.session())
	}
	jar.cookies = []*http.Cookie{sess}
	if resp, _ := c.do("GET", "/segments/v1", nil, nil); resp.StatusCode != 401 {
		t.Errorf("a signed-out session: HTTP %d, want 401", resp.StatusCode)
	}

	// Sessions end after 12 hours.
	jar.cookies = nil
	c.signIn(adminKey)
	e.clock.Set(e.clock.Now().Add(12*time.Hour + time.Second))
	if resp, _ := c.do("GET", "/segments/v1", nil, nil); resp.StatusCode != 401 {
		t.Errorf("a session after 12 hours: HTTP %d, want 401", resp.StatusCode)
	}
}

// TestUISignInRefusals checks what the sign-in form refuses.
func TestUISignInRefusals(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, key, origin string
		want              int
		says              string
	}{
		{"unknown key", "bsk_nope", "", 401, "not valid"},
		{"standard key", stdKey, "", 403, "Standard keys"},
		{"no key", "", "", 400, "Enter an API key"},
		{"another site's form", adminKey, "https://evil.example", 403, "own page"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newUIClient(t, e)
			origin := tc.origin
			if origin == "" {
				origin = e.srv.URL
			}
			form := url.Values{"key": {tc.key}}
			resp, body := c.do("POST", "/ui/sign-in", strings.NewReader(form.Encode()), map[string]string{
				"Content-Type": "application/x-www-form-urlencoded", "Origin": origin})
			if resp.StatusCode != tc.want || !strings.Contains(body, tc.says) {
				t.Errorf("HTTP %d, want %d saying %q", resp.StatusCode, tc.want, tc.says)
			}
			if c.session() != nil {
				t.Error("a refused sign-in set a session cookie")
			}
		})
	}

	// A revoked key's session ends at once.
	c := newUIClient(t, e)
	var created struct{ ID, Key string }
	e.call("POST", "/keys/v1", map[string]string{"role": "architect", "name": "to revoke"}, &created)
	c.signIn(created.Key)
	if resp, _ := c.do("GET", "/segments/v1", nil, nil); resp.StatusCode != 200 {
		t.Fatalf("before revoking: HTTP %d", resp.StatusCode)
	}
	if code := e.call("DELETE", "/keys/v1/"+created.ID, nil, nil); code != 200 {
		t.Fatalf("revoke: HTTP %d", code)
	}
	if resp, _ := c.do("GET", "/segments/v1", nil, nil); resp.StatusCode != 401 {
		t.Errorf("after revoking the key: HTTP %d, want 401", resp.StatusCode)
	}
}

// TestKeysListAndRevoke checks GET and DELETE /keys/v1.
func TestKeysListAndRevoke(t *testing.T) {
	e := newEnv(t)
	var created struct{ ID, Key, Role string }
	if code := e.call("POST", "/keys/v1", map[string]string{"role": "architect", "name": "nightly"}, &created); code != 200 {
		t.Fatalf("create key: HTTP %d", code)
	}
	var list struct {
		Keys []map[string]any
	}
	if code := e.call("GET", "/keys/v1", nil, &list); code != 200 || len(list.Keys) != 3 {
		t.Fatalf("list keys: HTTP %d, %d keys; want 200 and 3", code, len(list.Keys))
	}
	raw, _ := json.Marshal(list)
	if bytes.Contains(raw, []byte(created.Key)) || bytes.Contains(raw, []byte(`"hash"`)) {
		t.Errorf("the key list shows a secret: %s", raw)
	}
	found := false
	for _, k := range list.Keys {
		if k["id"] == created.ID {
			found = k["name"] == "nightly" && k["role"] == "architect" &&
				k["lastFour"] == created.Key[len(created.Key)-4:] && k["revoked"] == false
		}
	}
	if !found {
		t.Errorf("the new key is not listed with its name, role and last four: %s", raw)
	}

	if code := e.callKey(created.Key, "GET", "/keys/v1", nil, nil); code != 403 {
		t.Errorf("an architect key lists keys: HTTP %d, want 403", code)
	}
	if code := e.call("DELETE", "/keys/v1/"+httpapi.KeyID(adminKey), nil, nil); code != 409 {
		t.Errorf("a key revoking itself: HTTP %d, want 409", code)
	}
	if code := e.call("DELETE", "/keys/v1/nope", nil, nil); code != 404 {
		t.Errorf("revoking an unknown key: HTTP %d, want 404", code)
	}
	if code := e.call("DELETE", "/keys/v1/"+created.ID, nil, nil); code != 200 {
		t.Fatalf("revoke: HTTP %d", code)
	}
	if code := e.callKey(created.Key, "GET", "/segments/v1", nil, nil); code != 401 {
		t.Errorf("a revoked key: HTTP %d, want 401", code)
	}
}

// TestUIHelperEndpoints checks the read-only helpers under /ui/api/ on
// the demo data: pickers, the export field list, live events and the
// details of operations.
func TestUIHelperEndpoints(t *testing.T) {
	e := newUIEnv(t, 60)

	var sugg struct{ Values []struct{ Value string } }
	e.call("GET", "/ui/api/suggest?field=url&q=CART", nil, &sugg)
	if len(sugg.Values) == 0 {
		t.Error("no URL containing cart suggested")
	}
	for _, v := range sugg.Values {
		if !strings.Contains(strings.ToLower(v.Value), "cart") {
			t.Errorf("suggested %q for cart", v.Value)
		}
	}
	e.call("GET", "/ui/api/suggest?field=email&user=true", nil, &sugg)
	if len(sugg.Values) != 0 {
		t.Errorf("emails were suggested: %v", sugg.Values)
	}
	if code := e.callKey(stdKey, "GET", "/ui/api/suggest?field=url", nil, nil); code != 403 {
		t.Errorf("a standard key reads suggestions: HTTP %d, want 403", code)
	}

	var fields struct {
		Groups []struct {
			Name   string
			Fields []struct {
				Name    string
				Default bool
			}
		}
	}
	e.call("GET", "/ui/api/fields?type=TYPE_EVENT", nil, &fields)
	names := map[string]bool{}
	for _, g := range fields.Groups {
		for _, f := range g.Fields {
			names[f.Name] = true
		}
	}
	for _, c := range event.EventColumns {
		if !names[c.Name] {
			t.Errorf("the event field list lacks %s", c.Name)
		}
	}
	if !names["evt_product_str"] || !names["user_plan_str"] {
		t.Errorf("the event field list lacks the demo's custom properties: %v", names)
	}
	e.call("GET", "/ui/api/fields?type=TYPE_INDIVIDUAL", nil, &fields)
	for _, g := range fields.Groups {
		for _, f := range g.Fields {
			if strings.HasPrefix(f.Name, "evt_") || strings.HasPrefix(f.Name, "Event") {
				t.Errorf("the people field list offers %s", f.Name)
			}
		}
	}

	type live struct {
		Events []map[string]any
		Cursor string
	}
	var first live
	e.call("GET", "/ui/api/events?limit=5", nil, &first)
	if len(first.Events) != 5 || first.Cursor == "" {
		t.Fatalf("latest events: %d, cursor %q; want 5 and a cursor", len(first.Events), first.Cursor)
	}
	e.clock.Set(e.clock.Now().Add(time.Minute))
	ev := map[string]any{"user": map[string]any{"uid": "live-tester"}, "name": "Snippet Check"}
	if code := e.call("POST", "/v2/events", ev, nil); code != 200 {
		t.Fatalf("send an event: HTTP %d", code)
	}
	var next live
	e.call("GET", "/ui/api/events?after="+url.QueryEscape(first.Cursor), nil, &next)
	got := false
	for _, x := range next.Events {
		got = got || x["EventCustomName"] == "Snippet Check"
	}
	if !got || next.Cursor <= first.Cursor {
		t.Errorf("after the cursor: %v, cursor %q; want the new event and a later cursor", next.Events, next.Cursor)
	}
	var byPerson live
	e.call("GET", "/ui/api/events?person=live-tester&type=custom", nil, &byPerson)
	if len(byPerson.Events) != 1 || byPerson.Events[0]["UserAppKey"] != "live-tester" {
		t.Errorf("events of live-tester: %v, want the one sent", byPerson.Events)
	}

	var op struct{ OperationID string }
	e.call("POST", "/segments/v1/exports", map[string]any{"segmentId": "demo-1",
		"type": "TYPE_INDIVIDUAL", "format": "FORMAT_JSON"}, &op)
	var details struct {
		Operations map[string]map[string]any
	}
	e.call("GET", "/ui/api/operations?ids="+op.OperationID+",unknown", nil, &details)
	d := details.Operations[op.OperationID]
	if d["segmentName"] != "Added to cart, no order" || d["format"] != "FORMAT_JSON" ||
		d["type"] != "TYPE_INDIVIDUAL" || len(details.Operations) != 1 {
		t.Errorf("operation details %v", details.Operations)
	}
	e.waitOp(op.OperationID)
}
