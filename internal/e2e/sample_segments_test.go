package e2e

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
)

// The four people of the real sample, as read from the file:
//
//	A 5189870820212736 "User 90791": Safari on a Mac, 2020-08-27; 15
//	  Checkout Error events, 2 Purchase clicks, 6 dead and 2 error
//	  clicks; never reaches #/confirm.
//	B 4583458079457280 "User 90792": Safari on a Mac, 2020-08-28; goes
//	  #/ → #/market → #/cart → #/checkout → #/confirm; the only Order
//	  Completed event and the only evt_revenue_real; 1 Purchase click,
//	  1 error click.
//	C 6330282263920640 "User 90793": Safari on a Mac, 2020-08-29; adds
//	  to cart, never checks out; no Purchase click; no page_foobar_str.
//	D 6730658309947392 "User 90794": Chrome on an Android phone,
//	  2020-08-30; 9 Purchase clicks, 2 dead and 8 error clicks.
const (
	sampleA = "5189870820212736"
	sampleB = "4583458079457280"
	sampleC = "6330282263920640"
	sampleD = "6730658309947392"
)

func did(typ string, where ...map[string]any) map[string]any {
	f := map[string]any{}
	if typ != "" {
		f["type"] = typ
	}
	if len(where) > 0 {
		f["where"] = where
	}
	return f
}

func cond(field, op string, value any) map[string]any {
	return map[string]any{"field": field, "op": op, "value": value}
}

// TestSampleSegments runs segments of every criterion kind over the real
// sample; the expected people are worked out from the file (see above).
func TestSampleSegments(t *testing.T) {
	e := newEnv(t)
	e.importFile(loadSample(t))
	all := map[string]any{"all": true}
	cases := []struct {
		name     string
		criteria []any
		match    string
		window   map[string]any
		want     []string
	}{
		{"did a custom event: Order Completed", []any{map[string]any{
			"did": did("custom", cond("name", "eq", "Order Completed"))}}, "", all,
			[]string{sampleB}},
		{"did not: no Order Completed", []any{map[string]any{
			"didNot": did("custom", cond("name", "eq", "Order Completed"))}}, "", all,
			[]string{sampleA, sampleC, sampleD}},
		{"count gte 3 Purchase clicks", []any{map[string]any{
			"did":   did("click", cond("target_text", "eq", "Purchase")),
			"count": map[string]any{"op": "gte", "value": 3}}}, "", all,
			[]string{sampleD}},
		{"count between 1 and 2 Purchase clicks", []any{map[string]any{
			"did":   did("click", cond("target_text", "eq", "Purchase")),
			"count": map[string]any{"op": "between", "values": []int{1, 2}}}}, "", all,
			[]string{sampleA, sampleB}},
		{"user display name", []any{map[string]any{
			"user": cond("display_name", "eq", "User 90793")}}, "", all,
			[]string{sampleC}},
		{"user on a phone", []any{map[string]any{
			"user": cond("device", "eq", "Mobile")}}, "", all,
			[]string{sampleD}},
		{"three-step sequence in one session", []any{map[string]any{
			"sequence": []any{
				did("navigate", cond("url", "contains", "#/cart")),
				did("navigate", cond("url", "contains", "#/checkout")),
				did("navigate", cond("url", "contains", "#/confirm"))},
			"within": "1m", "sameSession": true}}, "", all,
			[]string{sampleB}},
		{"dead clicks", []any{map[string]any{
			"did": did("click", cond("dead", "eq", true))}}, "", all,
			[]string{sampleA, sampleD}},
		{"built-in-like error clicks", []any{map[string]any{
			"did": did("click", cond("error", "eq", true))}}, "", all,
			[]string{sampleA, sampleB, sampleD}},
		{"any: ordered or is User 90793", []any{
			map[string]any{"did": did("custom", cond("name", "eq", "Order Completed"))},
			map[string]any{"user": cond("display_name", "eq", "User 90793")}}, "any", all,
			[]string{sampleB, sampleC}},
		{"nested: added, and (confirmed or never clicked Purchase)", []any{
			map[string]any{"did": did("custom", cond("name", "eq", "Product Added"))},
			map[string]any{"match": "any", "criteria": []any{
				map[string]any{"did": did("navigate", cond("url", "contains", "#/confirm"))},
				map[string]any{"didNot": did("click", cond("target_text", "eq", "Purchase"))}}}},
			"", all, []string{sampleB, sampleC}},
		{"event property exists", []any{map[string]any{
			"did": did("custom", cond("evt_revenue_real", "exists", nil))}}, "", all,
			[]string{sampleB}},
		{"page property equals", []any{map[string]any{
			"did": did("", cond("page_foobar_str", "eq", "This is a foobar message"))}}, "", all,
			[]string{sampleA, sampleB, sampleD}},
		{"selector matches the checkout button", []any{map[string]any{
			"did": did("click", cond("selector", "matches", "button.cta-checkout"))}}, "", all,
			[]string{sampleA, sampleB, sampleD}},
		{"case-insensitive text", []any{map[string]any{
			"did": did("click", map[string]any{"field": "target_text", "op": "eq",
				"value": "PURCHASE", "caseSensitive": false})}}, "", all,
			[]string{sampleA, sampleB, sampleD}},
		{"time window: page loads on Aug 28 and 29", []any{map[string]any{
			"did": did("load")}}, "",
			map[string]any{"start": "2020-08-28", "end": "2020-08-30"},
			[]string{sampleB, sampleC}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			def := map[string]any{"name": tc.name, "timeRange": tc.window, "criteria": tc.criteria}
			if tc.match != "" {
				def["match"] = tc.match
			}
			var seg struct{ ID, Message string }
			if code := e.call("POST", "/segments/v1", def, &seg); code != 200 {
				t.Fatalf("create: HTTP %d %s", code, seg.Message)
			}
			body, _ := e.exportFile(map[string]any{"segmentId": seg.ID,
				"type": "TYPE_INDIVIDUAL", "format": "FORMAT_NDJSON", "fields": []string{"IndvId"}})
			var got []string
			for _, line := range strings.Split(strings.TrimSpace(string(body)), "\n") {
				if line == "" {
					continue
				}
				var r map[string]json.Number
				d := json.NewDecoder(strings.NewReader(line))
				d.UseNumber()
				d.Decode(&r)
				got = append(got, r["IndvId"].String())
			}
			sort.Strings(got)
			want := append([]string(nil), tc.want...)
			sort.Strings(want)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("people = %v, want %v", got, want)
			}
		})
	}
}
