package segment

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Element paths in the form of the hosted product's export.
const (
	tokMarketLink = "html .no%2Djs body .ng%2Dscope div .header .navbar " +
		".navbar%2Ddefault .navbar%2Dfixed%2Dtop div .container div .row " +
		"div .app%2Dcontrols .col%2Dsm%2D6 .col%2Dxs%2D8 .text%2Dright a " +
		".app%2Dcontrol .cta%2Dgo%2Dmarket =href=%23%2Fmarket"
	tokCartSpan = "html .no%2Djs body .ng%2Dscope div .header div " +
		".app%2Dcontrols a .app%2Dcontrol .btn .btn%2Ddanger .btn%2Dsm " +
		".cart =href=%23%2Fcart span"
	tokCheckbox = "html .no%2Djs body .ng%2Dscope div .content form " +
		".ng%2Dpristine .ng%2Dsubmitted label .checkbox%2Dinline input " +
		".ng%2Dempty .ng%2Dvalid =type=checkbox"
	tokCheckout = "html .no%2Djs body div .content form .ng%2Ddirty " +
		".ng%2Dsubmitted a .btn .btn%2Dblock .btn%2Dprimary .cta%2Dcheckout"
	tokAlert = "html .no%2Djs body .ng%2Dscope div .appAlerts div " +
		".appAlert .ng%2Dscope p .appAlertMessage .error"
)

func TestSelectorMatches(t *testing.T) {
	tests := []struct {
		sel, tok string
		want     bool
	}{
		{"a.app-control[href='#/market']", tokMarketLink, true},
		{`a[href="#/market"].cta-go-market`, tokMarketLink, true},
		{"a[href='#/cart']", tokMarketLink, false},
		{"a[href]", tokMarketLink, true},
		{"[href]", tokMarketLink, true},
		{".navbar a", tokMarketLink, true},
		{".navbar > a", tokMarketLink, false},
		{".text-right > a", tokMarketLink, true},
		{"html body div a", tokMarketLink, true},
		{"body html a", tokMarketLink, false},
		{"div", tokMarketLink, false},
		{"*", tokMarketLink, true},
		{"* > a", tokMarketLink, true},
		{".cart span", tokCartSpan, true},
		{"a.cart > span", tokCartSpan, true},
		{"a.cart", tokCartSpan, false},
		{".btn", tokCartSpan, false},
		{"span", tokCartSpan, true},
		{"input[type=checkbox]", tokCheckbox, true},
		{"input[type=text]", tokCheckbox, false},
		{"form.ng-submitted input", tokCheckbox, true},
		{"form.ng-submitted.ng-pristine label > input.ng-valid.ng-empty",
			tokCheckbox, true},
		{"form.ng-dirty input", tokCheckbox, false},
		{"form.ng-submitted a.cta-checkout", tokCheckout, true},
		{"a.btn-primary.btn.btn-block.cta-checkout", tokCheckout, true},
		{"p.appAlertMessage.error", tokAlert, true},
		{"P.appAlertMessage", tokAlert, true},
		{"p.appalertmessage", tokAlert, false},
		{".error", tokAlert, true},
		{".erro", tokAlert, false},
		{"html body a .x", "html body a .x", false},
		{".my-class", "html body a .my-class", true},
		{".my-class", "html body a .my%2dclass", true},
		{".btn", "html body a .btn%2Ddanger", false},
		{"#main", "html body div #main", true},
		{"#mai", "html body div #main", false},
		{"div#main.x", "html body div .x #main", true},
		{`[data-x="a b"]`, "html body div =data%2Dx=a%20b", true},
		{`[data-x="a b"]`, "html body div =data%2Dx=a%20c", false},
		{`a[title="é"]`, "html body a =title=%C3%A9", true},
		{`a[title="é"]`, "html body a =title=é", true},
	}
	for _, tc := range tests {
		cs, err := parseSelector(tc.sel)
		if err != nil {
			t.Errorf("parseSelector(%q): %v", tc.sel, err)
			continue
		}
		re := regexp.MustCompile(selectorPattern(cs))
		if got := re.MatchString(tc.tok); got != tc.want {
			t.Errorf("%q on %q = %v, want %v", tc.sel, tc.tok, got, tc.want)
		}
		if got := oracleSelector(cs, tc.tok); got != tc.want {
			t.Errorf("oracle: %q on %q = %v, want %v", tc.sel, tc.tok, got,
				tc.want)
		}
	}
}

func TestSelectorErrors(t *testing.T) {
	for _, sel := range []string{"", "  ", "a,b", "a:hover", "a + b",
		"a ~ b", "> a", "a >", "a > > b", "[x~=y]", "[", "[x", "[x=]", "a.",
		"#", "a.b.c.d.e.f", "a b c d e f g h i", "a[x='open", `a[x="\n"]`,
		"a*", "(a)", strings.Repeat("a", maxSelectorLen+1)} {
		if _, err := parseSelector(sel); err == nil {
			t.Errorf("parseSelector(%q): want an error", sel)
		}
	}
}

// TestSelectorSampleData matches selectors against every element path
// of the hosted product's sample export, through the Go pattern and the
// oracle, which must agree.
func TestSelectorSampleData(t *testing.T) {
	path := filepath.Join("..", "..", "..", "shared", "data",
		"fullstory-sample", "events.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("sample data absent at %s: %v", path, err)
	}
	var rows []struct {
		Tok string `json:"EventTargetSelectorTok"`
	}
	if err := json.Unmarshal(data, &rows); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	counts := map[string]int{}
	sels := []string{"a.cta-add-to-cart", ".fruit-list-item a",
		"a[href='#/market']", "input[type=text]", "form.ng-submitted button",
		"div.footer small.text-muted", "button.cta-checkout", "a[href]",
		".navbar a > span", "body > div"}
	for _, sel := range sels {
		cs, err := parseSelector(sel)
		if err != nil {
			t.Fatalf("parseSelector(%q): %v", sel, err)
		}
		re := regexp.MustCompile(selectorPattern(cs))
		for _, r := range rows {
			if r.Tok == "" {
				continue
			}
			got := re.MatchString(r.Tok)
			if want := oracleSelector(cs, r.Tok); got != want {
				t.Errorf("%q on %q: pattern %v, oracle %v", sel, r.Tok, got,
					want)
			}
			if got {
				counts[sel]++
			}
		}
	}
	for _, sel := range sels[:7] {
		if counts[sel] == 0 {
			t.Errorf("%q matched no sample event", sel)
		}
	}
	if counts["body > div"] != 0 {
		t.Errorf(`"body > div" matched %d events, want 0`, counts["body > div"])
	}
}

// TestSelectorLargestInDuckDB runs the largest selector the limits allow
// through DuckDB's RE2, whose memory budget is smaller than Go's.
func TestSelectorLargestInDuckDB(t *testing.T) {
	db := openDB(t)
	compound := "div.a-1.b-2[data-x='y z'][id]"
	parts := make([]string, maxSelectorCompounds)
	for i := range parts {
		parts[i] = compound
	}
	sel := strings.Join(parts, " ")
	el := "div .a%2D1 .b%2D2 =data%2Dx=y%20z =id=q"
	tok := "html body " + strings.TrimSpace(strings.Repeat(el+" ", 8))
	insertEvents(t, db, testEvent{ID: "e1", Indv: 1, Type: "click",
		At: "2024-05-01T10:00:00Z", Cols: map[string]any{"selector_tok": tok}})
	def := defOf(did("", where("selector", "matches", fmt.Sprintf("%q", sel))))
	c := compileJSON(t, def, CompileOptions{})
	if got := members(t, db, c); len(got) != 1 {
		t.Errorf("members = %v, want [1]", got)
	}
}
