package recorder

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/backstory-dev/backstory/internal/browsertest"
	"github.com/backstory-dev/backstory/internal/capture"
)

// collector stands in for the server's /rec/events: it decodes each batch
// as the server does, checks it, and answers what answer says.
type collector struct {
	t       *testing.T
	mu      sync.Mutex
	batches []capture.RecBatch
	// answer picks the response to the n-th request (from 0); nil is 200.
	answer func(n int, b capture.RecBatch, w http.ResponseWriter) bool
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if r.Method == http.MethodOptions {
		c.t.Errorf("the recorder sent a CORS preflight; it should send simple requests")
		return
	}
	body, _ := io.ReadAll(r.Body)
	var b capture.RecBatch
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&b); err != nil {
		c.t.Errorf("batch is not valid JSON: %v", err)
	} else if err := b.Validate(); err != nil {
		c.t.Errorf("batch fails validation: %v\n%s", err, body)
	}
	c.mu.Lock()
	n := len(c.batches)
	c.batches = append(c.batches, b)
	c.mu.Unlock()
	if c.answer != nil && c.answer(n, b, w) {
		return
	}
	w.Write([]byte(`{"stored":1}`))
}

// events returns every event received so far, in arrival order, with
// the device of its batch.
func (c *collector) events() []capture.RecEvent {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []capture.RecEvent
	for _, b := range c.batches {
		out = append(out, b.Events...)
	}
	return out
}

func (c *collector) devices() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, b := range c.batches {
		if len(out) == 0 || out[len(out)-1] != b.Device {
			out = append(out, b.Device)
		}
	}
	return out
}

// waitFor waits until an event satisfies ok, and fails the test if none
// comes within 10 s (the recorder sends every 3 s).
func (c *collector) waitFor(what string, ok func(e capture.RecEvent) bool) capture.RecEvent {
	c.t.Helper()
	var found capture.RecEvent
	if !browsertest.WaitFor(10*time.Second, func() bool {
		for _, e := range c.events() {
			if ok(e) {
				found = e
				return true
			}
		}
		return false
	}) {
		c.t.Fatalf("no %s arrived; got %s", what, summary(c.events()))
	}
	return found
}

// summary writes events one a line as type, text or name, and flags.
func summary(evs []capture.RecEvent) string {
	var b strings.Builder
	for _, e := range evs {
		b.WriteString("\n  " + line(e))
	}
	return b.String()
}

func line(e capture.RecEvent) string {
	s := e.Type
	if e.Text != nil {
		s += " " + *e.Text
	}
	if e.Name != "" {
		s += " " + e.Name
	}
	// A fixed order: ranging over a map would shuffle the flags.
	for _, f := range []struct {
		name string
		on   bool
	}{{" rage", e.Rage}, {" dead", e.Dead}, {" error", e.Error}} {
		if f.on {
			s += f.name
		}
	}
	return s
}

// testPage is a page that exercises every capture path of the recorder.
// Its first script calls FS before the recorder has loaded.
const testPage = `<!doctype html><html><head><meta charset="utf-8">
%s
<script>
FS('trackEvent', {name: 'Early', properties: {n: 1}});
FS.identify('u-early', {displayName: 'Early Bird'});
FS.event('Early Two');
FS.setUserVars({plan: 'pro'});
</script>
</head><body>
<button id="buy" class="b z a" name="buy" title="ignored">Buy <b>now</b></button>
<div data-backstory-exclude><button id="secret">Secret</button><input id="hidden-field"></div>
<p id="masked" data-backstory-mask>Card ending 4242</p>
<input id="pw" type="password"><input id="text" type="text">
<a id="hash" href="#part-2">Part 2</a>
<button id="xhr" onclick="var x = new XMLHttpRequest(); x.onloadend = function () { document.body.dataset.xhr = 1 }; x.open('GET', '/missing?token=abc'); x.send()">XHR</button>
<button id="net" onclick="fetch('http://127.0.0.1:1/down').catch(function () { document.body.dataset.net = 1 })">Net</button>
<button id="reject" onclick="Promise.reject(new Error('nope'))">Reject</button>
<button id="replace" onclick="history.replaceState(null, '', '?step=2')">Replace</button>
<button id="push" onclick="history.pushState(null, '', '/next')">Push</button>
</body></html>`

// recorderServer serves the test page and the script; the recorder posts
// to col.
func recorderServer(t *testing.T, col *collector) *httptest.Server {
	mux := http.NewServeMux()
	mux.Handle("/s/backstory.js", ScriptHandler())
	mux.Handle("/rec/events", col)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	page := fmt.Sprintf(testPage, Snippet("o-test", srv.URL))
	for _, p := range []string{"/page", "/page2", "/next"} {
		mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, page)
		})
	}
	return srv
}

// TestRecorderCapture drives each capture path once and checks the
// events the recorder sends, in order, with the fields that matter.
func TestRecorderCapture(t *testing.T) {
	col := &collector{t: t}
	srv := recorderServer(t, col)
	tab, console := browsertest.Tab(t, browsertest.New(t))
	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		browsertest.Do(t, tab, step, actions...)
	}
	eval := func(js string) {
		t.Helper()
		browsertest.Eval[any](t, tab, js)
	}

	do("open", chromedp.Navigate(srv.URL+"/page"), chromedp.WaitVisible(chromedp.CSS("#buy")))
	col.waitFor("load", func(e capture.RecEvent) bool { return e.Type == "load" })
	do("click through", browsertest.Clicks("#buy", 1), browsertest.Clicks("#secret", 1),
		browsertest.Clicks("#masked", 1), browsertest.Clicks("#pw", 1),
		browsertest.Clicks("#text", 1),
		chromedp.SendKeys(chromedp.CSS("#text"), "typed-secret-1"),
		chromedp.SendKeys(chromedp.CSS("#pw"), "typed-secret-2"),
		chromedp.SendKeys(chromedp.CSS("#hidden-field"), "typed-secret-3"))
	// A click from script lands on the button itself, not on its <b>.
	eval(`document.getElementById('buy').focus(); document.getElementById('buy').click()`)
	eval(`document.getElementById('text').dispatchEvent(new ClipboardEvent('paste', {bubbles: true}));
		document.getElementById('masked').dispatchEvent(new ClipboardEvent('copy', {bubbles: true}));
		document.getElementById('pw').dispatchEvent(new ClipboardEvent('paste', {bubbles: true}))`)
	do("requests and errors",
		browsertest.Clicks("#xhr", 1), chromedp.WaitReady(chromedp.CSS("body[data-xhr]")),
		browsertest.Clicks("#net", 1), chromedp.WaitReady(chromedp.CSS("body[data-net]")),
		browsertest.Clicks("#reject", 1))
	// The rejection is queued behind its click, so once it arrives the
	// click's flags are settled and what follows cannot change them.
	col.waitFor("the rejection", func(e capture.RecEvent) bool { return e.Type == "error" })
	eval(`FS('setProperties', {type: 'page', properties: {pageName: 'Test page', 'bad-name': 1, step: 1}})`)
	do("navigate", browsertest.Clicks("#hash", 1), browsertest.Clicks("#replace", 1),
		browsertest.Clicks("#push", 1))
	eval(`new Promise(function (done) {
		addEventListener('popstate', function () { setTimeout(done, 0) }, {once: true});
		history.back();
	})`)
	eval(`FS('trackEvent', {name: 'Props', properties: {ok: 2, 'bad-name': 3, nested: {a: 1}, f: function () {}}});
		FS('log', {level: 'warn', msg: 'hello'}); FS.log('plain');
		FS(); FS('nope'); FS('trackEvent'); FS('trackEvent', null); FS.identify();
		FS('setIdentity', {uid: ''}); FS('setProperties'); FS.event();
		FS('shutdown'); document.getElementById('buy').click(); FS('restart');
		FS('trackEvent', {name: 'After restart'})`)
	col.waitFor("the last event", func(e capture.RecEvent) bool { return e.Name == "After restart" })

	origin := srv.URL
	want := []string{
		"navigate /page",
		"custom Early /page",
		"identify /page",
		"custom Early Two /page",
		"uservar /page",
		"load /page",
		"click now /page",
		"click **************** /page",
		"click /page",
		"change /page",
		"click Buy now /page",
		"paste /page",
		"copy /page",
		"click XHR /page",
		"request /page",
		"click Net /page",
		"request /page",
		"click Reject /page",
		"error nope /page",
		"pagevar /page",
		"click Part 2 /page",
		"navigate /page#part-2",
		"click Replace /page#part-2",
		"navigate /page?step=2",
		"click Push /page?step=2",
		"navigate /next",
		"navigate /page?step=2",
		"custom Props /page?step=2",
		"console hello /page?step=2",
		"console plain /page?step=2",
		"custom After restart /page?step=2",
	}
	evs := col.events()
	var got []string
	for _, e := range evs {
		parts := []string{e.Type, textOf(e), e.Name, strings.TrimPrefix(e.URL, origin)}
		got = append(got, strings.Join(slices.DeleteFunc(parts,
			func(s string) bool { return s == "" }), " "))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("events:\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}

	byType := func(typ string, i int) capture.RecEvent {
		n := 0
		for _, e := range evs {
			if e.Type == typ {
				if n == i {
					return e
				}
				n++
			}
		}
		t.Fatalf("no %s #%d", typ, i)
		return capture.RecEvent{}
	}
	check := func(what string, got, want any) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	check("mouse click selector", byType("click", 0).Selector,
		"html body button #buy .a .b .z =name=buy b")
	check("script click selector", byType("click", 3).Selector,
		"html body button #buy .a .b .z =name=buy")
	check("text input selector", byType("click", 2).Selector,
		"html body input #text =type=text")
	check("identify uid", *byType("identify", 0).UID, "u-early")
	check("identify user", string(byType("identify", 0).User["displayName"]), `"Early Bird"`)
	check("uservar user", string(byType("uservar", 0).User["plan"]), `"pro"`)
	check("early props", string(byType("custom", 0).Props["n"]), "1")
	load := byType("load", 0)
	for _, k := range []string{"domContent", "load", "firstPaint"} {
		if load.Timing[k] <= 0 {
			t.Errorf("load timing %s = %d, want > 0 (%v)", k, load.Timing[k], load.Timing)
		}
	}
	xhr, net, rej := byType("request", 0), byType("request", 1), byType("error", 0)
	check("xhr", fmt.Sprint(xhr.ReqMethod, " ", xhr.ReqURL, " ", *xhr.ReqStatus),
		"GET "+origin+"/missing 404")
	check("fetch", fmt.Sprint(net.ReqMethod, " ", net.ReqURL, " ", *net.ReqStatus),
		"GET http://127.0.0.1:1/down 0")
	check("rejection", rej.ErrorKind+" "+textOf(rej), "UnhandledRejection nope")
	check("reject click flags", line(byType("click", 6)), "click Reject dead error")
	check("the change says nothing of the value", textOf(byType("change", 0)), "")
	pv := byType("pagevar", 0)
	check("pagevar", fmt.Sprint(pv.PageName, " ", string(pv.PageProps["step"]), " ", len(pv.PageProps)),
		"Test page 1 1")
	check("page props carry on", byType("click", 7).PageName, "Test page")
	check("page props end with the page", byType("navigate", 1).PageName, "")
	props := byType("custom", 2).Props
	check("sanitised props", fmt.Sprint(len(props), " ", string(props["ok"]), " ", string(props["nested"])),
		`2 2 {"a":1}`)
	check("log level", string(byType("console", 0).Props["level"]), `"warn"`)
	check("navigate referrer", byType("navigate", 1).Referrer, origin+"/page")
	for _, e := range evs {
		if e.Timing["duration"] < 0 || e.Viewport[0] == 0 {
			t.Errorf("%s: timing %v viewport %v, want page totals", e.Type, e.Timing, e.Viewport)
		}
	}

	// Nothing typed left the page, and the page's own errors are the only
	// ones on its console.
	raw, _ := json.Marshal(col.batches)
	for _, secret := range []string{"typed-secret", "4242", "token=abc", "Secret"} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("batches contain %q", secret)
		}
	}
	for _, m := range console.Messages() {
		if m.IsException() && !strings.Contains(m.Text, "nope") {
			t.Errorf("unexpected exception on the console: %s", m)
		}
	}
}

func textOf(e capture.RecEvent) string {
	if e.Text == nil {
		return ""
	}
	return *e.Text
}

func ids(b capture.RecBatch) []string {
	var out []string
	for _, e := range b.Events {
		out = append(out, e.ID)
	}
	return out
}

func (c *collector) batch(i int) capture.RecBatch {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.batches[i]
}

func (c *collector) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.batches)
}

// TestRecorderRetries: a 503 keeps the batch, and it goes again with the
// same event ids (so the server's dedup makes retries harmless).
func TestRecorderRetries(t *testing.T) {
	col := &collector{t: t, answer: func(n int, _ capture.RecBatch, w http.ResponseWriter) bool {
		if n < 2 {
			w.Header().Set("Retry-After", "5")
			w.WriteHeader(http.StatusServiceUnavailable)
			return true
		}
		return false
	}}
	srv := recorderServer(t, col)
	tab, console := browsertest.Tab(t, browsertest.New(t))
	browsertest.Do(t, tab, "open", chromedp.Navigate(srv.URL+"/page"))
	if !browsertest.WaitFor(20*time.Second, func() bool { return col.count() >= 3 }) {
		t.Fatalf("got %d batches, want 2 refused and 1 stored", col.count())
	}
	first, stored := ids(col.batch(0)), ids(col.batch(2))
	if len(first) == 0 || !slices.Equal(ids(col.batch(1)), first) ||
		!slices.Equal(stored[:len(first)], first) {
		t.Errorf("retried batches differ:\n %v\n %v\n %v", first, ids(col.batch(1)), stored)
	}
	if unique := slices.Compact(slices.Sorted(slices.Values(stored))); len(unique) != len(stored) {
		t.Errorf("a batch repeats an event id: %v", stored)
	}
	for _, m := range console.Messages() {
		if m.Type == chromedp.ConsoleError && m.Source != "network" || m.IsException() {
			t.Errorf("console: %s", m)
		}
	}
}

// TestRecorderRefusedEvent: a 400 that names one event drops that event
// and sends the rest again at once; a full queue goes without waiting.
func TestRecorderRefusedEvent(t *testing.T) {
	col := &collector{t: t, answer: func(n int, b capture.RecBatch, w http.ResponseWriter) bool {
		if n == 0 && len(b.Events) > 2 {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"message":"events[1].props: nope","code":"invalid_argument"}`)
			return true
		}
		return false
	}}
	srv := recorderServer(t, col)
	tab, _ := browsertest.Tab(t, browsertest.New(t))
	browsertest.Do(t, tab, "open", chromedp.Navigate(srv.URL+"/page"))
	if !browsertest.WaitFor(10*time.Second, func() bool { return col.count() >= 2 }) {
		t.Fatalf("got %d batches, want the refused one and its rest", col.count())
	}
	refused, rest := ids(col.batch(0)), ids(col.batch(1))
	if want := slices.Delete(slices.Clone(refused), 1, 2); !slices.Equal(rest, want) {
		t.Errorf("after a 400 on events[1], sent %v, want %v", rest, want)
	}

	// 120 events fill the queue: they go in batches of 50, at once.
	before := col.count()
	start := time.Now()
	browsertest.Eval[any](t, tab, `for (let i = 0; i < 120; i++) FS.event('Bulk', {i})`)
	if !browsertest.WaitFor(10*time.Second, func() bool {
		n := 0
		for _, e := range col.events() {
			if e.Name == "Bulk" {
				n++
			}
		}
		return n == 120
	}) {
		t.Fatal("the 120 events did not all arrive")
	}
	if took := time.Since(start); took > 2500*time.Millisecond {
		t.Errorf("full batches took %v to go, want them sent at once", took)
	}
	for i := before; i < col.count(); i++ {
		if n := len(col.batch(i).Events); n > 50 {
			t.Errorf("batch %d has %d events, want at most 50", i, n)
		}
	}

	// Anonymous: a new device from then on.
	old := col.batch(col.count() - 1).Device
	browsertest.Eval[any](t, tab, `FS('setIdentity', {anonymous: true}); FS.event('Anon')`)
	e := col.waitFor("the event after anonymous", func(e capture.RecEvent) bool { return e.Name == "Anon" })
	devs := col.devices()
	if dev := devs[len(devs)-1]; dev == old || e.Name != "Anon" {
		t.Errorf("device after anonymous = %s, want a new one (was %s)", dev, old)
	}
	stored := browsertest.Eval[string](t, tab, `localStorage.getItem('_backstory_device')`)
	session := browsertest.Eval[string](t, tab, `FS('getSession', {format: 'id'})`)
	if stored != devs[len(devs)-1] || session != stored {
		t.Errorf("stored device %q, getSession %q, sent %q: want all the same", stored, session, devs[len(devs)-1])
	}
}

// TestRecorderUnreachable: while the server drops connections the events
// wait, the next page load finds them, and they are sent once it answers.
func TestRecorderUnreachable(t *testing.T) {
	var mu sync.Mutex
	down := true
	col := &collector{t: t, answer: func(_ int, _ capture.RecBatch, w http.ResponseWriter) bool {
		mu.Lock()
		defer mu.Unlock()
		if down {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		}
		return down
	}}
	srv := recorderServer(t, col)
	tab, console := browsertest.Tab(t, browsertest.New(t))
	browsertest.Do(t, tab, "open", chromedp.Navigate(srv.URL+"/page"))
	if !browsertest.WaitFor(10*time.Second, func() bool { return col.count() >= 1 }) {
		t.Fatal("the recorder never tried to send")
	}
	lost := ids(col.batch(0))
	browsertest.Do(t, tab, "page keeps working", browsertest.Clicks("#push", 1))
	if got := browsertest.Eval[string](t, tab, `location.pathname`); got != "/next" {
		t.Errorf("after a click the page is at %s, want /next", got)
	}
	// Leaving while the server is down keeps the events in localStorage
	// (a beacon would be lost); the next page sends them once it answers.
	tries := col.count()
	browsertest.Do(t, tab, "next page", chromedp.Navigate(srv.URL+"/page2"))
	if !browsertest.WaitFor(10*time.Second, func() bool { return col.count() > tries }) {
		t.Fatal("the next page never tried to send")
	}
	mu.Lock()
	down = false
	mu.Unlock()
	col.waitFor("the first page's events", func(e capture.RecEvent) bool {
		return e.ID == lost[0] && strings.HasSuffix(e.URL, "/page")
	})
	for _, m := range console.Messages() {
		t.Logf("console: %s", m)
		if m.IsException() || m.Type == chromedp.ConsoleError && m.Source != "network" {
			t.Errorf("console: %s", m)
		}
	}
}
