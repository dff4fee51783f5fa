package segment

import (
	"database/sql"
	"testing"
	"time"
)

// shopNow is the fixed clock of the shop fixture.
var shopNow = time.Date(2024, 5, 31, 12, 0, 0, 0, time.UTC)

const (
	urlMarket   = "https://shop.example/#/market"
	urlCheckout = "https://shop.example/#/checkout"
	tokAddCart  = "html .no%2Djs body div .content a .btn .cta%2Dadd " +
		"=href=%23%2Fcart"
	tokBuy  = "html body div #main button .btn .btn%2Dprimary"
	tokHelp = "html body footer a =href"
)

// shopDB loads a small shop: five people with events (4 and 5 without a
// people row for 5), one person without events, and another org whose
// rows must never leak in.
//
//	1 ana   market, 2 add-to-cart clicks, checkout, Order Completed (05-01)
//	2 bo    checkout, market (s21, 05-02); checkout, rage click (s22,
//	        05-03); add-to-cart click (s23, 05-20); on Mobile in DE
//	3 anon  market (04-01), checkout and a dead click (05-20, Tablet)
//	4 dee   error click, failed request, JS error (05-10)
//	5 -     Checkout Error custom event (05-15), no people row
//	6 six   no events
func shopDB(t testing.TB) *sql.DB {
	t.Helper()
	db := openDB(t)
	insertPeople(t, db,
		testPerson{Indv: 1, UID: ptr("ana"), Name: ptr("Ana"),
			Email: ptr("ana@example.org"), Created: "2024-01-10T00:00:00Z",
			Props: `{"plan_str":"pro","seats_int":5,"score_real":7.5,` +
				`"trial_bool":false,"renew_date":"2024-06-01T00:00:00Z",` +
				`"tags_strs":["vip","beta"]}`},
		testPerson{Indv: 2, UID: ptr("bo"), Name: ptr("Bo"),
			Email: ptr("BO@Example.ORG"), Created: "2024-02-01T00:00:00Z",
			Props: `{"plan_str":"free","seats_int":1,"trial_bool":true,` +
				`"tags_strs":["beta"]}`},
		testPerson{Indv: 3, Name: ptr("User 3"),
			Created: "2024-03-01T00:00:00Z"},
		testPerson{Indv: 4, UID: ptr("dee"), Name: ptr("Dee"),
			Email: ptr("dee@other.com"), Created: "2024-04-30T23:00:00Z",
			Props: `{"plan_str":"Pro","seats_int":12}`},
		testPerson{Indv: 6, UID: ptr("six"), Created: "2024-01-01T00:00:00Z"},
		testPerson{Indv: 2, UID: ptr("bo"), Email: ptr("bo@example.org"),
			Created: "2024-01-01T00:00:00Z", Props: `{"plan_str":"pro"}`,
			Org: "org-2"},
	)
	desktop := map[string]any{"device": "Desktop", "country": "US",
		"browser": "Chrome", "os": "Windows"}
	mobile := map[string]any{"device": "Mobile", "country": "DE",
		"browser": "Safari", "os": "iOS"}
	with := func(base map[string]any, kv ...any) map[string]any {
		out := map[string]any{}
		for k, v := range base {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i].(string)] = kv[i+1]
		}
		return out
	}
	insertEvents(t, db,
		testEvent{ID: "e101", Indv: 1, Session: 11, Type: "navigate",
			At: "2024-05-01T10:00:00Z", Cols: with(desktop,
				"page_url", urlMarket, "referrer_url", "https://google.com/",
				"page_name", "Market")},
		testEvent{ID: "e102", Indv: 1, Session: 11, Type: "click",
			At: "2024-05-01T10:01:00Z", Cols: with(desktop,
				"page_url", urlMarket, "target_text", "Add to cart",
				"selector_tok", tokAddCart),
			Evt: `{"price_real":6.75,"product_str":"kiwi"}`},
		testEvent{ID: "e103", Indv: 1, Session: 11, Type: "click",
			At: "2024-05-01T10:02:00Z", Cols: with(desktop,
				"page_url", urlMarket, "target_text", "Add to cart",
				"selector_tok", tokAddCart),
			Evt: `{"price_real":1.79,"product_str":"beans"}`},
		testEvent{ID: "e104", Indv: 1, Session: 11, Type: "navigate",
			At: "2024-05-01T10:05:00Z", Cols: with(desktop,
				"page_url", urlCheckout)},
		testEvent{ID: "e105", Indv: 1, Session: 11, Type: "custom",
			At: "2024-05-01T10:06:00Z", Cols: with(desktop,
				"page_url", urlCheckout, "custom_name", "Order Completed"),
			Evt: `{"order.total_real":8.54,"paid_bool":true,` +
				`"when_date":"2024-05-01T10:06:00+02:00"}`},

		testEvent{ID: "e201", Indv: 2, Session: 21, Type: "navigate",
			At: "2024-05-02T09:00:00Z", Cols: with(mobile,
				"page_url", urlCheckout)},
		testEvent{ID: "e202", Indv: 2, Session: 21, Type: "navigate",
			At: "2024-05-02T09:10:00Z", Cols: with(mobile,
				"page_url", urlMarket)},
		testEvent{ID: "e203", Indv: 2, Session: 22, Type: "navigate",
			At: "2024-05-03T09:00:00Z", Cols: with(mobile,
				"page_url", urlCheckout)},
		testEvent{ID: "e204", Indv: 2, Session: 22, Type: "click",
			At: "2024-05-03T09:00:01Z", Cols: with(mobile,
				"page_url", urlCheckout, "target_text", "BUY now",
				"selector_tok", tokBuy, "mod_frustrated", 1)},
		testEvent{ID: "e205", Indv: 2, Session: 23, Type: "click",
			At: "2024-05-20T08:00:00Z", Cols: with(mobile,
				"page_url", urlMarket, "target_text", "Add to cart",
				"mod_frustrated", 0)},

		testEvent{ID: "e301", Indv: 3, Session: 31, Type: "navigate",
			At: "2024-04-01T12:00:00Z", Cols: map[string]any{
				"page_url": urlMarket}},
		testEvent{ID: "e302", Indv: 3, Session: 32, Type: "navigate",
			At: "2024-05-20T12:00:00Z", Cols: map[string]any{
				"page_url": urlCheckout, "device": "Tablet"}},
		testEvent{ID: "e303", Indv: 3, Session: 32, Type: "click",
			At: "2024-05-20T12:01:00Z", Cols: map[string]any{
				"page_url": urlCheckout, "device": "Tablet",
				"target_text": "Help", "selector_tok": tokHelp,
				"mod_dead": 1}},

		testEvent{ID: "e401", Indv: 4, Session: 41, Type: "click",
			At: "2024-05-10T10:00:00Z", Cols: map[string]any{
				"target_text": "Pay", "mod_error": 1,
				"page_url": "https://shop.example/pay?x=1#top"}},
		testEvent{ID: "e402", Indv: 4, Session: 41, Type: "request",
			At: "2024-05-10T10:00:01Z", Cols: map[string]any{
				"req_status": 500, "req_method": "POST",
				"req_url":  "https://api.shop.example/pay",
				"page_url": "https://shop.example/pay?x=1#top"}},
		testEvent{ID: "e403", Indv: 4, Session: 41, Type: "error",
			At: "2024-05-10T10:00:02Z", Cols: map[string]any{
				"error_kind": "TypeError",
				"page_url":   "https://shop.example/pay?x=1#top"}},

		testEvent{ID: "e501", Indv: 5, Session: 51, Type: "custom",
			At: "2024-05-15T10:00:00Z", Cols: with(desktop,
				"custom_name", "Checkout Error", "page_url", urlCheckout),
			Evt:  `{"code_str":"OOS-134B","items_int":2}`,
			Page: `{"foobar_str":"This is a foobar message"}`},

		testEvent{ID: "e901", Indv: 2, Session: 91, Type: "custom",
			At: "2024-05-02T10:00:00Z", Org: "org-2", Cols: map[string]any{
				"custom_name": "Order Completed", "device": "Tablet",
				"page_url": urlMarket, "target_text": "Add to cart"}},
	)
	return db
}
