package demo

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"

	"github.com/backstory-dev/backstory/internal/event"
)

// A session is planned before it is placed in time: every step carries
// its offset from the session start in milliseconds, and the page and
// session columns are filled in when the plan becomes records.

// step is one planned event. Its vals become the record's Values.
type step struct {
	at    int64 // ms since the session start
	vals  map[string]any
	props event.Props
}

// pageView is one planned page.
type pageView struct {
	path     string
	name     string
	url      string
	referrer string
	cluster  int64
	start    int64 // ms since the session start
	scroll   int64 // max scroll depth, percent
	props    event.Props
	steps    []step
}

// journey plans one session of one shopper on one device.
type journey struct {
	rng     *rand.Rand
	shop    *shopper
	dev     *device
	arrival referrer // how the session came to the shop
	at      int64    // the clock, ms since the session start
	fruit   int      // the product page to show next
	pages   []*pageView
	orders  []float64 // totals of the orders completed in this session
}

// maxGap bounds the pause between two events, far below the 30 minutes
// of idle time that end a session.
const maxGap = 4 * 60 * 1000

// wait moves the clock on by a pause between lo and hi milliseconds.
func (j *journey) wait(lo, hi int64) {
	d := lo
	if hi > lo {
		d += j.rng.Int64N(hi - lo)
	}
	j.at += min(d, maxGap)
}

// page is the page being viewed.
func (j *journey) page() *pageView { return j.pages[len(j.pages)-1] }

// visit opens a page: a navigate event, and for a full page load a load
// event with its timings. Within the shop, navigation is client-side.
func (j *journey) visit(path, name string, cluster int64, fullLoad bool) {
	ref, query := j.arrival.url, j.arrival.query
	if len(j.pages) > 0 {
		ref, query = j.page().url, ""
		j.wait(150, 900)
	}
	p := &pageView{
		path: path, name: name, url: shopHost + path + query,
		referrer: ref, cluster: cluster, start: j.at,
		scroll: 20 + j.rng.Int64N(81),
	}
	j.pages = append(j.pages, p)
	j.add("navigate")

	if fullLoad || len(j.pages) == 1 {
		j.load()
	}
	if len(j.pages) == 1 && j.shop.identified {
		j.at += 5 + j.rng.Int64N(60)
		j.identify()
	}
}

// load adds the load event: first paint, DOM content, largest paint and
// the load event itself, in that order, slower on phones.
func (j *journey) load() {
	base := 250 + j.rng.Int64N(900)
	if j.dev.profile.slowLoad {
		base += 400 + j.rng.Int64N(1800)
	}
	paint := base * (45 + j.rng.Int64N(20)) / 100
	dom := base * (70 + j.rng.Int64N(20)) / 100
	largest := max(dom, base*(90+j.rng.Int64N(30))/100)
	loaded := largest + 50 + j.rng.Int64N(400)

	j.at = j.page().start + loaded
	v := j.add("load")
	v["LoadFirstPaintTime"] = paint
	v["LoadDomContentTime"] = dom
	v["LoadLargestPaintTime"] = largest
	v["LoadEventTime"] = loaded
}

// add plans an event of a type at the current time on the current page
// and returns its values for the caller to complete.
func (j *journey) add(typ string) map[string]any {
	v := make(map[string]any, 48)
	v["EventType"] = typ
	p := j.page()
	p.steps = append(p.steps, step{at: j.at, vals: v})
	return v
}

// setProps attaches event properties to the event planned last.
func (j *journey) setProps(props event.Props) {
	p := j.page()
	p.steps[len(p.steps)-1].props = props
}

// clickMods are the derived signals of a click.
type clickMods struct {
	rage, dead, err bool
}

// click plans a click on an element.
func (j *journey) click(e element, m clickMods) {
	v := j.add("click")
	v["EventTargetText"] = e.text
	v["EventTargetSelectorTok"] = e.selector
	v["EventModFrustrated"] = flag(m.rage)
	v["EventModDead"] = flag(m.dead)
	v["EventModError"] = flag(m.err)
	v["EventModSuspicious"] = int64(0)
}

// rage plans a burst of clicks on one spot within about a second, each
// marked frustrated.
func (j *journey) rage(e element, m clickMods) {
	m.rage = true
	for i := 3 + j.rng.IntN(4); i > 0; i-- {
		j.click(e, m)
		j.at += 80 + j.rng.Int64N(140)
	}
}

// change plans a form change. The text is the field's label.
func (j *journey) change(e element) {
	v := j.add("change")
	v["EventTargetText"] = e.text
	v["EventTargetSelectorTok"] = e.selector
}

// seen plans an element scrolled into view.
func (j *journey) seen(e element) {
	v := j.add("seen")
	v["EventTargetText"] = e.text
	v["EventTargetSelectorTok"] = e.selector
}

// custom plans a custom event; atError logs it at error level, which
// makes it a custom_error event.
func (j *journey) custom(name string, atError bool, props event.Props) {
	typ := "custom"
	if atError {
		typ = "custom_error"
	}
	v := j.add(typ)
	v["EventCustomName"] = name
	j.setProps(props)
}

// jsError plans an uncaught exception: its kind, its message as the
// event's text, and the script it came from.
func (j *journey) jsError(kind, message string) {
	v := j.add("error")
	v["EventVarErrorKind"] = kind
	v["EventTargetText"] = message
	v["EventWebSourceFileUrl"] = shopHost + "/static/js/app.4f2a9c.js"
}

// requestFailed plans a failed network request.
func (j *journey) requestFailed(method, path string, status int64) {
	v := j.add("request")
	v["ReqUrl"] = shopHost + path
	v["ReqMethod"] = method
	v["ReqStatus"] = status
}

// identify plans the user variables the site sets for a signed-in
// shopper, naming the fields it set.
func (j *journey) identify() {
	v := j.add("uservar")
	v["EventVarFields"] = "displayName,email,plan_str"
}

func flag(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// Raw JSON property values of each type.

func propStr(s string) json.RawMessage {
	b, _ := json.Marshal(s) // a string always marshals
	return b
}

func propInt(n int64) json.RawMessage {
	return json.RawMessage(strconv.FormatInt(n, 10))
}

func propReal(f float64) json.RawMessage {
	return json.RawMessage(strconv.FormatFloat(f, 'f', 2, 64))
}
