package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/backstory-dev/backstory/internal/browsertest"
	"github.com/backstory-dev/backstory/internal/recorder"
)

// What the shopper types: none of it may reach the database or an export.
var typed = map[string]string{
	"name":     "Zed Quartzfield",
	"email":    "zed.quartzfield@example.net",
	"password": "hunter2-Sup3rSecret",
	"card":     "4111111111111111",
	"coupon":   "SAVE-XYZZY-77",
}

// pause is a person's pause between actions. It is longer than the
// recorder's one-second window after a click, so that each click's dead
// flag comes from what that click alone caused: the behaviour under test
// is about time, so the test takes its time.
func pause() { time.Sleep(1200 * time.Millisecond) }

// TestBrowserShopToExport shops in the demo shop in a real Chromium, closes
// the tab, and exports everything through the three-step API: the export
// holds exactly the expected events, in order, with their texts,
// selectors, flags and properties, and nothing the shopper typed is
// anywhere in the database or the file.
func TestBrowserShopToExport(t *testing.T) {
	browser := browsertest.New(t)
	e := newEnv(t)
	e.clock.Set(time.Time{})
	tab, console := browsertest.Tab(t, browser)
	shop := e.srv.URL + recorder.ShopPath
	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		browsertest.Do(t, tab, step, actions...)
	}
	// painted waits for the page's first paint, so the recorder's load
	// event (which carries paint times) comes before what the test does.
	painted := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[any](`new Promise(function (done) {
			requestAnimationFrame(function () { setTimeout(done, 100) }) })`,
			chromedp.EvalAwaitPromise)(ctx, tg)
		return err
	})

	do("open the shop", chromedp.Navigate(shop), chromedp.WaitVisible(chromedp.CSS(".cta")), painted)
	pause()
	do("go to the market", browsertest.Clicks("a.nav-link[href=market]", 1),
		chromedp.WaitVisible(chromedp.CSS(".fruit-mango .add-to-cart")))
	pause()
	do("add a mango", browsertest.Clicks(".fruit-mango .add-to-cart", 1))
	pause()
	do("open the cart", browsertest.Clicks(".cart-link", 1),
		chromedp.WaitVisible(chromedp.CSS(".gift-wrap")))
	pause()
	do("rage at gift wrap", browsertest.Clicks(".gift-wrap", 3))
	pause()
	do("sign in", browsertest.Clicks(".sign-in", 1))
	pause()
	do("click the masked name", browsertest.Clicks(".who", 1))
	pause()
	do("check out", browsertest.Clicks("a.checkout", 1),
		chromedp.WaitVisible(chromedp.CSS(".place-order")), painted)
	pause()
	for _, field := range []string{"name", "email", "password", "card", "coupon"} {
		do("type "+field, chromedp.SendKeys(chromedp.CSS("[name="+field+"]"), typed[field]))
	}
	do("apply the coupon", browsertest.Clicks(".apply-coupon", 1))
	pause()
	do("place the order", browsertest.Clicks(".place-order", 1),
		chromedp.WaitVisible(chromedp.CSS(".status")))
	browsertest.WaitFor(5*time.Second, func() bool {
		return browsertest.Eval[string](t, tab, `document.querySelector('.status').textContent`) ==
			"Your card was declined."
	})
	pause()
	if err := chromedp.Cancel(tab); err != nil {
		t.Fatalf("close the tab: %v", err)
	}

	// The closing tab sends its last events by beacon, and beacons may
	// land in any order: wait for the last event and for all 26 the walk
	// makes (the list below), so the export is not taken mid-delivery.
	if !browsertest.WaitFor(10*time.Second, func() bool {
		var last string
		var n int
		e.db.SQL().QueryRow(`SELECT event_type FROM events
			ORDER BY event_start DESC, event_id DESC LIMIT 1`).Scan(&last)
		e.db.SQL().QueryRow(`SELECT count(*) FROM events`).Scan(&n)
		return last == "background" && n >= 26
	}) {
		t.Fatal("the closed tab's last event never arrived")
	}

	fields := []string{"EventType", "EventTargetText", "EventCustomName",
		"EventTargetSelectorTok", "EventModFrustrated", "EventModDead", "EventModError",
		"EventVarErrorKind", "EventWebSourceFileUrl", "ReqUrl", "ReqMethod", "ReqStatus",
		"PageUrl", "PageRefererUrl", "PageName", "PageNumErrors", "PageNumWarnings",
		"LoadDomContentTime", "LoadEventTime", "LoadFirstPaintTime", "LoadLargestPaintTime",
		"PageDuration", "PageMaxScrollDepthPercent", "UserAppKey", "UserDisplayName",
		"UserEmail", "EventIsBot", "SessionId", "PageId", "evt_product_str",
		"evt_price_real", "evt_quantity_real", "page_items_real", "user_plan_str"}
	body, _ := e.exportFile(map[string]any{"segmentId": "everyone", "type": "TYPE_EVENT",
		"format": "FORMAT_NDJSON", "fields": fields})
	// Nothing typed is stored or exported, whatever the column.
	all, _ := e.exportFile(map[string]any{"segmentId": "everyone", "type": "TYPE_EVENT",
		"format": "FORMAT_JSON"})
	people, _ := e.exportFile(map[string]any{"segmentId": "everyone", "type": "TYPE_INDIVIDUAL",
		"format": "FORMAT_JSON"})
	stored := dbText(t, e)
	for field, value := range typed {
		for where, text := range map[string]string{"the database": stored,
			"the event export": string(all), "the people export": string(people)} {
			if strings.Contains(text, value) {
				t.Errorf("%s holds the typed %s", where, field)
			}
		}
	}
	if !strings.Contains(stored, "Apply coupon") {
		t.Error("dbText sees no event text; the scan would miss a leak")
	}

	rows := ndjsonRows(t, body)

	// Each row as: type | text | name | flags | path within the shop.
	var got []string
	for _, r := range rows {
		var flags []string
		for _, f := range []string{"EventModFrustrated", "EventModDead", "EventModError"} {
			if r[f] == 1.0 {
				flags = append(flags, strings.TrimPrefix(f, "EventMod"))
			}
		}
		got = append(got, strings.Join([]string{str(r["EventType"]), str(r["EventTargetText"]),
			str(r["EventCustomName"]), strings.Join(flags, ","),
			strings.TrimPrefix(str(r["PageUrl"]), shop)}, " | "))
	}
	want := []string{
		"navigate |  |  |  | ",
		"load |  |  |  | ",
		"click | Market |  |  | ",
		"navigate |  |  |  | market",
		"click | Add to cart |  |  | market",
		"custom |  | Product Added |  | market",
		"click | Cart (1) |  |  | market",
		"navigate |  |  |  | cart",
		"click | Gift wrap |  | Frustrated,Dead | cart",
		"click | Gift wrap |  | Frustrated,Dead | cart",
		"click | Gift wrap |  | Frustrated,Dead | cart",
		"click | Sign in |  |  | cart",
		"click | ******** |  | Dead | cart",
		"click | Checkout |  |  | cart",
		"background |  |  |  | cart",
		"navigate |  |  |  | checkout",
		"pagevar |  |  |  | checkout",
		"load |  |  |  | checkout",
		"change | Name |  |  | checkout",
		"change | Email |  |  | checkout",
		"change | Coupon |  |  | checkout",
		"click | Apply coupon |  | Error | checkout",
		"error | Uncaught ReferenceError: couponService is not defined |  |  | checkout",
		"click | Place order |  |  | checkout",
		"request |  |  |  | checkout",
		"background |  |  |  | checkout",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("exported events:\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}

	check := func(i int, field string, want any) {
		t.Helper()
		if g := fmt.Sprint(rows[i][field]); g != fmt.Sprint(want) {
			t.Errorf("row %d (%s) %s = %s, want %v", i, got[i], field, g, want)
		}
	}
	check(2, "EventTargetSelectorTok", "html body header .top nav a .nav%2Dlink =href=market")
	check(4, "EventTargetSelectorTok", "html body main #view ul .fruit%2Dlist li .fruit "+
		".fruit%2Dmango button .add%2Dto%2Dcart .btn =type=button")
	check(5, "evt_product_str", "Mango")
	check(5, "evt_price_real", 2.5)
	check(5, "evt_quantity_real", 1)
	check(8, "EventTargetSelectorTok", "html body main #view p .actions button .btn .gift%2Dwrap =type=button")
	check(12, "EventTargetSelectorTok", "html body header .top div .account span .greeting span .who")
	check(15, "PageRefererUrl", shop+"cart")
	check(16, "PageName", "Checkout")
	check(16, "page_items_real", 1)
	check(18, "EventTargetSelectorTok", "html body main form .order label input =name=name")
	check(22, "EventVarErrorKind", "ReferenceError")
	check(22, "EventWebSourceFileUrl", shop+"shop.js")
	check(24, "ReqUrl", shop+"api/order")
	check(24, "ReqMethod", "POST")
	check(24, "ReqStatus", 402)
	check(25, "PageNumErrors", 1)
	check(25, "PageNumWarnings", 1)
	check(25, "PageName", "Checkout")
	for _, i := range []int{1, 17} {
		for _, f := range []string{"LoadDomContentTime", "LoadEventTime", "LoadFirstPaintTime", "LoadLargestPaintTime"} {
			if v, _ := rows[i][f].(float64); v <= 0 {
				t.Errorf("row %d %s = %v, want a time in ms", i, f, rows[i][f])
			}
		}
	}
	pages := map[any]bool{}
	for i, r := range rows {
		// Identify made the anonymous shopper Ana, back to the first event.
		check(i, "UserAppKey", "shopper-1042")
		check(i, "UserDisplayName", "Ana Lima")
		check(i, "UserEmail", "ana.lima@example.com")
		check(i, "user_plan_str", "gold")
		check(i, "EventIsBot", 1) // headless Chromium says so
		check(i, "SessionId", rows[0]["SessionId"])
		pages[r["PageId"]] = true
	}
	if len(pages) != 4 {
		t.Errorf("%d pages, want 4: home, market, cart, checkout", len(pages))
	}

	// The page's console holds the shop's own flaws, nothing from the
	// recorder.
	for _, m := range console.Messages() {
		switch {
		case m.IsException() && strings.Contains(m.Text, "couponService"):
		case m.Type == chromedp.ConsoleWarning && strings.HasPrefix(m.Text, "coupon:"):
		case m.Source == "network" && (strings.HasSuffix(m.URL, "/api/order") ||
			strings.HasSuffix(m.URL, "/favicon.ico")):
		case m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning || m.IsException():
			t.Errorf("unexpected console message: %s (%s)", m, m.URL)
		}
	}
}

// TestBrowserServerStopped runs the shop from its own server with the
// recorder pointed at Backstory, then stops Backstory: the shop keeps
// working, and nothing but the browser's own network notes reaches the
// console.
func TestBrowserServerStopped(t *testing.T) {
	browser := browsertest.New(t)
	e := newEnv(t)
	e.clock.Set(time.Time{})
	app := httptest.NewServer(recorder.Shop(string(testOrg), "/", e.srv.URL))
	defer app.Close()
	tab, console := browsertest.Tab(t, browser)
	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		browsertest.Do(t, tab, step, actions...)
	}

	do("open the shop", chromedp.Navigate(app.URL+"/"), chromedp.WaitVisible(chromedp.CSS(".cta")))
	if !browsertest.WaitFor(5*time.Second, func() bool {
		return browsertest.Eval[bool](t, tab, `!!(window.FS && FS._backstory)`)
	}) {
		t.Fatal("the recorder did not load")
	}
	e.srv.Close()

	do("shop with the server gone",
		browsertest.Clicks("a.nav-link[href=market]", 1),
		chromedp.WaitVisible(chromedp.CSS(".fruit-kiwi .add-to-cart")),
		browsertest.Clicks(".fruit-kiwi .add-to-cart", 1),
		browsertest.Clicks(".sign-in", 1),
		browsertest.Clicks(".cart-link", 1),
		chromedp.WaitVisible(chromedp.CSS(".gift-wrap")))
	// Wait past the recorder's first send, which fails.
	time.Sleep(4 * time.Second)
	if got := browsertest.Eval[string](t, tab, `document.querySelector('.cart-count').textContent + ' ' +
		document.querySelector('.who').textContent + ' ' + location.pathname`); got != "1 Ana Lima /cart" {
		t.Errorf("page state = %q, want the cart with one item, signed in", got)
	}

	// A full page load: now the script itself cannot load, and the page
	// still works, its FS calls queued by the snippet.
	do("check out", browsertest.Clicks("a.checkout", 1), chromedp.WaitVisible(chromedp.CSS(".place-order")),
		chromedp.SendKeys(chromedp.CSS("[name=name]"), "Zed"),
		browsertest.Clicks(".place-order", 1))
	if !browsertest.WaitFor(5*time.Second, func() bool {
		return browsertest.Eval[string](t, tab, `document.querySelector('.status').textContent`) ==
			"Your card was declined."
	}) {
		t.Error("the order form stopped working without the server")
	}

	sawFailedSend := false
	for _, m := range console.Messages() {
		switch {
		case m.Source == "network" && strings.HasPrefix(m.URL, e.srv.URL):
			sawFailedSend = true // the browser notes each refused connection
		case m.Source == "network" && (strings.HasSuffix(m.URL, "/api/order") ||
			strings.HasSuffix(m.URL, "/favicon.ico")):
		case m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning || m.IsException():
			t.Errorf("console: %s (%s)", m, m.URL)
		}
	}
	if !sawFailedSend {
		t.Error("no failed send was seen; the test did not exercise a stopped server")
	}
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func ndjsonRows(t *testing.T, body []byte) []map[string]any {
	t.Helper()
	var rows []map[string]any
	for _, l := range bytes.Split(bytes.TrimSpace(body), []byte("\n")) {
		var row map[string]any
		if err := json.Unmarshal(l, &row); err != nil {
			t.Fatalf("export line %s: %v", l, err)
		}
		rows = append(rows, row)
	}
	return rows
}

// dbText is every value of every table in the database, as text.
func dbText(t *testing.T, e *env) string {
	t.Helper()
	db := e.db.SQL()
	tables, err := db.Query(`SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'main'`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for tables.Next() {
		var n string
		tables.Scan(&n)
		names = append(names, n)
	}
	tables.Close()
	var b strings.Builder
	for _, n := range names {
		rows, err := db.Query(`SELECT * FROM "` + n + `"`)
		if err != nil {
			t.Fatalf("read %s: %v", n, err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("read %s: %v", n, err)
			}
			for _, v := range vals {
				if s, ok := v.([]byte); ok {
					v = string(s)
				}
				fmt.Fprintf(&b, "%v\t", v)
			}
			b.WriteByte('\n')
		}
		rows.Close()
	}
	return b.String()
}
