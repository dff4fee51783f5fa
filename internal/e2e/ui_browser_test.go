package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/export"
	"github.com/backstory-dev/backstory/internal/httpapi"
)

// TestUIBuildSegmentExportDownload drives the whole path of the web UI
// in Chromium: sign in, build a segment from three kinds of criteria
// while the preview's count follows, save it, star it, export it as CSV
// from the dialog, watch the progress bar finish, download the file and
// check its rows against the API's preview.
func TestUIBuildSegmentExportDownload(t *testing.T) {
	e := newUIEnv(t, 300)
	b := newBrowser(t, e.srv.URL)

	b.open("/ui/")
	b.wait("the sign-in form", `!!document.querySelector('#key')`)
	b.run(chromedp.SendKeys(chromedp.CSS("#key"), architectKey),
		chromedp.Submit(chromedp.CSS("#key")))
	b.wait("the segments list", `document.querySelectorAll('#seg-rows tr[data-id]').length >= 6`)
	checkSessionCookie(t, b)

	// Build the segment one criterion at a time; each narrows it.
	b.open("/ui/segments/new")
	b.wait("the builder's first preview", previewSettled)
	b.run(chromedp.SendKeys(chromedp.CSS("#seg-name"), "Cart, no order, desktop"))
	counts := []int64{b.count("#pv-people")}
	steps := []struct {
		name string
		add  string // the add button
		typ  string // the value input to type into
		text string
	}{
		{"did: added a product", "#add-criteria-did", "", ""},
		{"did not: ordered", "#add-criteria-didNot", "#fcriteria-1-didNot-where-0-value", "Order Completed"},
		{"user: on a desktop", "#add-criteria-user", "#fcriteria-2-user-value", "Desktop"},
	}
	for i, s := range steps {
		b.run(chromedp.Click(chromedp.CSS(s.add)))
		if i == 0 {
			// A did criterion starts as "did click"; make it a custom
			// event with a name, through the type picker and "+ Where".
			b.choose("#fcriteria-0-did-type", "custom")
			b.run(chromedp.Click(chromedp.CSS("#fcriteria-0-did-add-where")))
			b.run(chromedp.SendKeys(chromedp.CSS("#fcriteria-0-did-where-0-value"), "Product Added"))
		} else {
			b.run(chromedp.SendKeys(chromedp.CSS(s.typ), s.text))
		}
		b.wait("the preview of "+s.name, previewSettled)
		n := b.count("#pv-people")
		if n >= counts[len(counts)-1] || n == 0 {
			t.Errorf("after %s the preview shows %d people, want fewer than %d and more than 0",
				s.name, n, counts[len(counts)-1])
		}
		counts = append(counts, n)
	}
	t.Logf("people after each step: %v", counts)
	var steps3 int
	b.eval(`document.querySelectorAll('#pv-funnel .funnel-step').length`, &steps3)
	if steps3 < 3 {
		t.Errorf("the funnel shows %d steps, want one per criterion", steps3)
	}

	// The UI's count is the API's count for the definition it shows.
	var def string
	b.eval(`document.querySelector('#builder').dataset.current`, &def)
	var viaAPI struct{ People, Events int64 }
	body := map[string]any{"definition": json.RawMessage(def)}
	if code := e.call("POST", "/segments/v1/preview", body, &viaAPI); code != 200 {
		t.Fatalf("preview through the API: HTTP %d", code)
	}
	if got := counts[len(counts)-1]; got != viaAPI.People {
		t.Errorf("the UI shows %d people, the API previews %d", got, viaAPI.People)
	}
	for _, kind := range []string{`"did"`, `"didNot"`, `"user"`} {
		if !strings.Contains(def, kind) {
			t.Errorf("the definition %s has no %s criterion", def, kind)
		}
	}

	// Save it: the address becomes the segment's page.
	b.run(chromedp.Click(chromedp.CSS("#act-save")))
	b.wait("the save", `location.pathname.startsWith('/ui/segments/seg_') &&
		document.querySelector('#save-state').textContent === 'All changes saved.'`)
	var segID string
	b.eval(`decodeURIComponent(location.pathname.split('/').pop())`, &segID)

	// Star it on the list: it moves to the top.
	b.open("/ui/segments")
	star := fmt.Sprintf(`[data-star=%q]`, segID)
	b.wait("the new segment in the list", fmt.Sprintf(`!!document.querySelector(%q)`, star))
	b.run(chromedp.Click(chromedp.CSS(star)))
	b.wait("the star", fmt.Sprintf(`document.querySelector(%q)?.getAttribute('aria-pressed') === 'true'
		&& document.querySelector('#seg-rows tr').dataset.id === %q`, star, segID))
	var seg struct{ Starred bool }
	e.call("GET", "/segments/v1/"+segID, nil, &seg)
	if !seg.Starred {
		t.Error("the API does not show the segment starred after the star was clicked")
	}

	// Open the export dialog from the segment's row, and pick columns.
	b.run(chromedp.Click(chromedp.CSS(fmt.Sprintf(`tr[data-id=%q] a.button`, segID))))
	b.wait("the export dialog", `document.querySelector('#export-dialog').open &&
		/rows?/.test(document.querySelector('#ex-estimate').textContent)`)
	t.Logf("estimate: %s", b.text("#ex-estimate"))
	b.run(chromedp.Click(chromedp.CSS("#ex-fields summary")),
		chromedp.Click(chromedp.CSS("#ex-fields-none")))
	columns := []string{"IndvId", "EventStart", "EventType", "EventCustomName", "PageUrl"}
	for _, c := range columns {
		b.typeInto("#ex-field-q", c)
		b.run(chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=field][value=%q]`, c))))
	}
	b.typeInto("#ex-field-q", "")
	if got := b.text("#ex-fields-count"); !strings.HasPrefix(got, "5 of") {
		t.Errorf("column count reads %q, want 5 chosen", got)
	}

	// Export as CSV and wait for the progress bar to finish.
	b.run(chromedp.Click(chromedp.CSS(`input[name=format][value=FORMAT_CSV]`)),
		chromedp.Click(chromedp.CSS("#ex-start-btn")))
	b.wait("the export to finish", `document.querySelector('#ex-progress').getAttribute('aria-valuenow') === '100'
		&& !document.querySelector('#ex-download').hidden`)
	if got := b.text("#ex-progress-label"); got != "Export complete" {
		t.Errorf("progress label %q, want Export complete", got)
	}

	// Download it, and check its rows against the API's preview.
	name, file := b.download("#ex-download")
	if !strings.HasSuffix(name, ".csv.gz") {
		t.Errorf("downloaded file name %q, want .csv.gz", name)
	}
	recs := readCSVGz(t, file)
	if !slices.Equal(recs[0], columns) {
		t.Errorf("CSV header %v, want %v", recs[0], columns)
	}
	var pv struct{ People, Events int64 }
	if code := e.call("POST", "/segments/v1/preview", map[string]any{"segmentId": segID}, &pv); code != 200 {
		t.Fatalf("preview: HTTP %d", code)
	}
	people := map[string]bool{}
	for _, r := range recs[1:] {
		people[r[0]] = true
	}
	if int64(len(recs)-1) != pv.Events || int64(len(people)) != pv.People {
		t.Errorf("the file has %d rows of %d people; the preview counts %d events of %d people",
			len(recs)-1, len(people), pv.Events, pv.People)
	}

	// The exports page lists it as completed, with its rows.
	b.open("/ui/exports")
	b.wait("the exports table", `!!document.querySelector('#ops-rows tr[data-state="COMPLETED"]')`)
	row := b.text(`#ops-rows tr[data-state="COMPLETED"]`)
	if !strings.Contains(row, "Cart, no order, desktop") ||
		!strings.Contains(strings.ReplaceAll(row, ",", ""), fmt.Sprint(len(recs)-1)) {
		t.Errorf("the exports page row reads %q, want the segment and %d rows", row, len(recs)-1)
	}
}

// previewSettled holds when the builder's preview shows the definition
// on screen, funnel included.
const previewSettled = `(() => { const b = document.querySelector('#builder');
	return !!b && !!b.dataset.current && b.dataset.previewed === b.dataset.current
		&& document.querySelector('#preview-state').textContent.startsWith('Updated'); })()`

// count reads a number the page formatted for people.
func (b *browser) count(css string) int64 {
	b.t.Helper()
	s := regexp.MustCompile(`[^0-9]`).ReplaceAllString(b.text(css), "")
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		b.t.Fatalf("%s reads %q, not a number", css, b.text(css))
	}
	return n
}

// typeInto replaces an input's text by typing.
func (b *browser) typeInto(css, text string) {
	b.t.Helper()
	b.eval(fmt.Sprintf(`(() => { const i = document.querySelector(%q); i.value = '';
		i.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`, css), nil)
	if text != "" {
		b.run(chromedp.SendKeys(chromedp.CSS(css), text))
	}
}

// download clicks a button that downloads a file, and returns the file's
// suggested name and its path once the browser has saved it.
func (b *browser) download(css string) (string, string) {
	b.t.Helper()
	dir := b.t.TempDir()
	begin := chromedp.Events(b.ctx, cdpbrowser.DownloadWillBegin)
	progress := chromedp.Events(b.ctx, cdpbrowser.DownloadProgress)
	allow := chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
			Behavior:      cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName,
			DownloadPath:  dir,
			EventsEnabled: new(true),
		})
		return err
	})
	b.run(allow, chromedp.Click(chromedp.CSS(css)))

	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	var name string
	for ev, err := range begin {
		if err != nil {
			b.t.Fatalf("waiting for the download to begin: %v", err)
		}
		name = ev.SuggestedFilename
		break
	}
	for ev, err := range progress {
		if err != nil || ctx.Err() != nil {
			b.t.Fatalf("waiting for the download: %v %v", err, ctx.Err())
		}
		switch ev.State {
		case cdpbrowser.DownloadProgressStateCompleted:
			return name, filepath.Join(dir, ev.GUID)
		case cdpbrowser.DownloadProgressStateCanceled:
			b.t.Fatalf("the download was cancelled")
		}
	}
	b.t.Fatal("the download never finished")
	return "", ""
}

func readCSVGz(t *testing.T, path string) [][]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the download is not gzip: %v", err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(plain)).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("the download is not CSV with a header: %v", err)
	}
	return recs
}

// checkSessionCookie checks the session cookie's flags, and that it does
// not hold the key.
func checkSessionCookie(t *testing.T, b *browser) {
	t.Helper()
	res, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Cookies {
		if c.Name != "backstory_session" {
			continue
		}
		if !c.HTTPOnly || !c.Secure || c.SameSite != network.CookieSameSiteStrict {
			t.Errorf("session cookie: HttpOnly %v, Secure %v, SameSite %q; want all set, Strict",
				c.HTTPOnly, c.Secure, c.SameSite)
		}
		if strings.Contains(c.Value, architectKey) || strings.Contains(c.Value, "architect") {
			t.Errorf("session cookie %q holds the key", c.Value)
		}
		return
	}
	t.Error("no session cookie after signing in")
}

// TestUIRefusesWrongAndStandardKeys checks the sign-in page: an unknown
// key and a standard key are refused with a reason, and no session starts.
func TestUIRefusesWrongAndStandardKeys(t *testing.T) {
	e := newEnv(t)
	b := newBrowser(t, e.srv.URL)
	for _, tc := range []struct {
		name, key, want string
	}{
		{"unknown key", "bsk_not_a_key_at_all", "not valid"},
		{"standard key", stdKey, "Standard keys"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := b.in(t)
			b.open("/ui/sign-in")
			b.run(chromedp.SendKeys(chromedp.CSS("#key"), tc.key),
				chromedp.Submit(chromedp.CSS("#key")))
			b.wait("the refusal", `!!document.querySelector('#signin-error')`)
			if got := b.text("#signin-error"); !strings.Contains(got, tc.want) {
				t.Errorf("sign-in error %q, want it to say %q", got, tc.want)
			}
			res, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range res.Cookies {
				if c.Name == "backstory_session" {
					t.Errorf("a session cookie was set for a refused key")
				}
			}
			b.open("/ui/segments")
			b.wait("the sign-in page again", `location.pathname === '/ui/sign-in'`)
		})
	}
}

// TestUIShowsWhyAnExportFailed checks that the exports page shows a
// failed export's reason. The export is one the server was interrupted
// running three times, which the worker then fails for good.
func TestUIShowsWhyAnExportFailed(t *testing.T) {
	e := newEnv(t)
	b := newBrowser(t, e.srv.URL)
	signIn(b, adminKey)

	e.interruptedExport("op-interrupted")

	b.open("/ui/exports")
	b.wait("the failed export", `!!document.querySelector('#ops-rows tr[data-state="FAILED"] .reason')`)
	reason := b.text(`#ops-rows tr[data-state="FAILED"] .reason`)
	if !strings.Contains(reason, "interrupted 3 times") {
		t.Errorf("the failed export shows %q, want the worker's reason", reason)
	}
	if got := b.text(`#ops-rows tr[data-state="FAILED"]`); !strings.Contains(got, "Failed") ||
		!strings.Contains(got, "Everyone") {
		t.Errorf("the failed export's row reads %q, want its state and segment", got)
	}
}

// signIn signs the browser in through the form.
func signIn(b *browser, key string) {
	b.t.Helper()
	b.open("/ui/sign-in")
	b.run(chromedp.SendKeys(chromedp.CSS("#key"), key), chromedp.Submit(chromedp.CSS("#key")))
	b.wait("the first page after signing in", `location.pathname === '/ui/segments'`)
}

// TestUIScreenshots writes a screenshot of every page at desktop and
// phone widths into ./screenshots at the repository root, for a reviewer
// to look at. It also checks that each page renders without a script
// error or a blocked resource under the page's CSP.
func TestUIScreenshots(t *testing.T) {
	e := newUIEnv(t, 300)
	dir := screenshotDir(t)

	// A segment with every kind of criterion, starred, and two exports:
	// one completed, one failed.
	def := `{"name": "Every kind of criterion", "timeRange": {"last": "30d"},
	  "timezone": "Europe/Berlin", "match": "all", "criteria": [
	  {"user": {"field": "device", "op": "in", "values": ["Mobile", "Tablet"]}},
	  {"did": {"type": "custom", "where": [{"field": "name", "op": "eq", "value": "Product Added"}]},
	   "count": {"op": "gte", "value": 2}},
	  {"didNot": {"type": "custom", "where": [{"field": "name", "op": "eq", "value": "Order Completed"}]}},
	  {"sequence": [{"type": "navigate", "where": [{"field": "url", "op": "contains", "value": "/product/"}]},
	                {"type": "navigate", "where": [{"field": "url", "op": "contains", "value": "/cart"}]}],
	   "within": "1h", "sameSession": true},
	  {"match": "any", "criteria": [
	    {"did": {"type": "click", "where": [{"field": "rage", "op": "eq", "value": true}]}},
	    {"user": {"field": "browser", "op": "starts_with", "value": "Chrome", "caseSensitive": false}}]}]}`
	var seg struct{ ID string }
	body := map[string]any{"definition": json.RawMessage(def), "starred": true}
	if code := e.call("POST", "/segments/v1", body, &seg); code != 200 {
		t.Fatalf("create segment: HTTP %d", code)
	}
	e.exportFile(map[string]any{"segmentId": "demo-1", "type": "TYPE_EVENT", "format": "FORMAT_CSV"})
	req, _ := json.Marshal(export.Request{SegmentID: "demo-2", Type: export.TypeIndividual,
		Format: "FORMAT_PARQUET", Scope: export.ScopeIndividual, Timezone: "UTC", Now: e.clock.Now()})
	err := e.db.CreateOperation(context.Background(), event.Operation{ID: "op-failed",
		OrgID: testOrg, Type: event.OpTypeExport, State: event.OpPending, Request: req,
		Created: e.clock.Now().Add(-time.Minute), Attempts: 3})
	if err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, e.srv.URL)
	pages := []struct {
		name, path, ready string
	}{
		{"sign-in", "/ui/sign-in", `!!document.querySelector('#key')`},
		{"segments", "/ui/segments", `document.querySelectorAll('#seg-rows tr[data-id]').length > 0 &&
			![...document.querySelectorAll('#seg-rows td.num')].some((td) => td.textContent === '…')`},
		{"builder", "/ui/segments/" + seg.ID, previewSettled},
		{"builder-new", "/ui/segments/new", previewSettled},
		{"export-dialog", "/ui/segments/demo-1#export", `document.querySelector('#export-dialog').open &&
			/rows?/.test(document.querySelector('#ex-estimate').textContent)`},
		{"exports", "/ui/exports", `!!document.querySelector('#ops-rows tr[data-state="FAILED"]')`},
		{"live", "/ui/live", `document.querySelectorAll('#live-rows tr').length > 5`},
		{"settings", "/ui/settings", `!document.querySelector('#key-rows').textContent.includes('Loading')`},
	}
	for _, size := range []struct {
		name          string
		width, height int64
		mobile        bool
	}{
		{"desktop", 1280, 900, false},
		{"phone", 390, 844, true},
	} {
		t.Run(size.name, func(t *testing.T) {
			b := b.in(t)
			emulate := chromedp.EmulateViewport(size.width, size.height)
			if size.mobile {
				emulate = chromedp.EmulateViewport(size.width, size.height, chromedp.EmulateMobile)
			}
			b.run(emulate)
			for _, p := range pages {
				b.open(p.path)
				b.wait(p.name, p.ready)
				if p.name == "sign-in" {
					shoot(b, dir, p.name+"-"+size.name)
					b.run(chromedp.SendKeys(chromedp.CSS("#key"), adminKey),
						chromedp.Submit(chromedp.CSS("#key")))
					b.wait("signing in", `location.pathname === '/ui/segments'`)
					continue
				}
				shoot(b, dir, p.name+"-"+size.name)
				if p.name == "builder" {
					shootElement(b, dir, "builder-criteria-"+size.name, "#criteria-root")
				}
			}
			// Sign out, so the next size starts at the sign-in page.
			b.run(chromedp.Click(chromedp.CSS(`form.signout button`)))
			b.wait("signing out", `location.pathname === '/ui/sign-in'`)
		})
	}
}

// shoot writes a PNG of the current page: all of it, unless it is more
// than three screens long or a dialog is open, then what is on screen.
func shoot(b *browser, dir, name string) {
	b.t.Helper()
	// Let transitions and the fresh-row highlight settle first.
	time.Sleep(400 * time.Millisecond)
	var onScreen bool
	b.eval(`document.documentElement.scrollHeight > 3 * innerHeight || !!document.querySelector('dialog[open]')`, &onScreen)
	shot := chromedp.FullScreenshot(100)
	if onScreen {
		shot = chromedp.CaptureScreenshot()
	}
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, shot)
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// shootElement writes a PNG of one element, however long.
func shootElement(b *browser, dir, name, css string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(css)))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// TestUILiveEventsAndKeys checks two smaller pages in Chromium: an event
// sent while the live view is open shows up, and filters by person; a key
// created in settings is shown once, listed, and can be revoked.
func TestUILiveEventsAndKeys(t *testing.T) {
	e := newEnv(t)
	b := newBrowser(t, e.srv.URL)
	signIn(b, adminKey)

	b.open("/ui/live")
	b.wait("the empty live view", `document.querySelector('#live-rows').textContent.includes('No events yet')`)
	for _, uid := range []string{"ana", "bo"} {
		ev := map[string]any{"user": map[string]any{"uid": uid}, "name": "Snippet Check " + uid}
		if code := e.call("POST", "/v2/events", ev, nil); code != 200 {
			t.Fatalf("send an event: HTTP %d", code)
		}
	}
	b.wait("the new events", `document.querySelector('#live-rows').textContent.includes('Snippet Check ana')
		&& document.querySelector('#live-rows').textContent.includes('Snippet Check bo')`)
	b.run(chromedp.SendKeys(chromedp.CSS("#live-person"), "ana"))
	b.wait("the person filter", `document.querySelectorAll('#live-rows tr').length === 1
		&& document.querySelector('#live-rows').textContent.includes('Snippet Check ana')`)

	b.open("/ui/settings")
	b.wait("the key list", `document.querySelectorAll('#key-rows tr[data-id]').length === 2`)
	if !strings.Contains(b.text("#snippet"), `"org":"o-test"`) {
		t.Errorf("the snippet %q does not carry the org id", b.text("#snippet"))
	}
	b.run(chromedp.SendKeys(chromedp.CSS("#key-name"), "nightly job"))
	b.choose("#key-role", "architect")
	b.run(chromedp.Click(chromedp.CSS(`#key-form button[type=submit]`)))
	b.wait("the new key", `!document.querySelector('#key-created').hidden
		&& document.querySelectorAll('#key-rows tr[data-id]').length === 3`)
	secret := b.text("#new-key")
	if code := e.callKey(secret, "GET", "/segments/v1", nil, nil); code != 200 {
		t.Errorf("the key shown once does not work: HTTP %d", code)
	}
	id := httpapi.KeyID(secret)
	b.run(chromedp.Click(chromedp.CSS(fmt.Sprintf(`#key-rows tr[data-id=%q] button`, id))))
	b.wait("the confirmation", `!!document.querySelector('dialog.confirm[open]')`)
	b.run(chromedp.Click(chromedp.CSS(`dialog.confirm button[value=ok]`)))
	b.wait("the revocation", fmt.Sprintf(`document.querySelector('#key-rows tr[data-id=%q]')?.textContent.includes('revoked')`, id))
	if code := e.callKey(secret, "GET", "/segments/v1", nil, nil); code != 401 {
		t.Errorf("the revoked key still works: HTTP %d", code)
	}
}
