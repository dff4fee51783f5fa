package capture

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"strconv"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
)

// Limits on a browser batch.
const (
	MaxRecEvents   = 1000
	MaxRecBodySize = 1 << 20
	// skewThreshold is the clock difference below which client times are
	// trusted as sent: network latency alone should not move events.
	skewThreshold = 2 * time.Second
)

// RecBatch is what the recorder posts to /rec/events.
type RecBatch struct {
	Org       string     `json:"org"`
	Device    string     `json:"device"`
	SentAt    *time.Time `json:"sentAt"`
	UserAgent string     `json:"userAgent"`
	// Webdriver is the browser's navigator.webdriver: an automated
	// browser says so, and its events are flagged as a bot's.
	Webdriver bool       `json:"webdriver"`
	Events    []RecEvent `json:"events"`
	// IP is the address the batch came from, set by the endpoint from the
	// connection, never read from the body.
	IP netip.Addr `json:"-"`
}

// RecEvent is one captured event. Types follow the export's EventType
// values, plus "identify" (ties the device to a uid and sets user fields,
// stored on the person, not as an event) and "pageview" (a navigate).
type RecEvent struct {
	ID        string                     `json:"id"`
	Type      string                     `json:"type"`
	TS        time.Time                  `json:"ts"`
	URL       string                     `json:"url"`
	Referrer  string                     `json:"referrer"`
	PageName  string                     `json:"pageName"`
	Text      *string                    `json:"text"`
	Selector  string                     `json:"selector"`
	Name      string                     `json:"name"`
	UID       *string                    `json:"uid"`
	User      map[string]json.RawMessage `json:"user"`
	Props     map[string]json.RawMessage `json:"props"`
	PageProps map[string]json.RawMessage `json:"pageProps"`
	ErrorKind string                     `json:"errorKind"`
	Source    string                     `json:"source"`
	ReqURL    string                     `json:"reqUrl"`
	ReqMethod string                     `json:"reqMethod"`
	ReqStatus *int64                     `json:"reqStatus"`
	Rage      bool                       `json:"rage"`
	Dead      bool                       `json:"dead"`
	Error     bool                       `json:"error"`
	Timing    map[string]int64           `json:"timing"`
	Screen    [2]int64                   `json:"screen"`
	Viewport  [2]int64                   `json:"viewport"`
}

// recTypes are the types a browser event may have: the export's event
// types, "identify", and "pageview" (a navigate).
var recTypes = func() map[string]bool {
	m := map[string]bool{"identify": true, "pageview": true}
	for _, t := range event.EventTypes {
		m[t] = true
	}
	return m
}()

// Validate checks a batch cheaply before any write; errors name the event.
func (b *RecBatch) Validate() error {
	switch {
	case b.Org == "":
		return event.Errorf(event.CodeRequired, "org: the org id is required")
	case b.Device == "" || len(b.Device) > 128:
		return event.Errorf(event.CodeRequired, "device: a device key of 1-128 bytes is required")
	case len(b.Events) == 0:
		return event.Errorf(event.CodeRequired, "events: at least one event is required")
	case len(b.Events) > MaxRecEvents:
		return event.Errorf(event.CodeTooLarge, "events: at most %d per batch", MaxRecEvents)
	}
	for i, e := range b.Events {
		switch {
		case e.ID == "" || len(e.ID) > 128:
			return event.Invalid("events[%d].id: an id of 1-128 bytes is required", i)
		case !recTypes[e.Type]:
			return event.Invalid("events[%d].type: unknown event type %q", i, e.Type)
		case e.TS.IsZero():
			return event.Invalid("events[%d].ts: an RFC 3339 time is required", i)
		case (e.Type == "custom" || e.Type == "custom_error") && e.Name == "":
			return event.Invalid("events[%d].name: custom events need a name", i)
		case e.Type == "identify" && (e.UID == nil || *e.UID == ""):
			return event.Invalid("events[%d].uid: identify needs a uid", i)
		}
	}
	return nil
}

// Record stores a validated browser batch for org. It returns how many
// events were new (retried events are acknowledged but not stored twice).
func (s *Service) Record(ctx context.Context, org event.OrgID, b RecBatch) (int, error) {
	received := s.now()
	var skew time.Duration
	if b.SentAt != nil {
		if d := received.Sub(*b.SentAt); d > skewThreshold || d < -skewThreshold {
			skew = d
		}
	}
	ag := s.ua.parse(b.UserAgent)
	ag.Bot = ag.Bot || b.Webdriver
	where := s.locate(b.IP)

	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.device(ctx, org, b.Device)
	if err != nil {
		return 0, err
	}
	recs := make([]event.Record, 0, len(b.Events))
	for i := range b.Events {
		e := &b.Events[i]
		if e.UID != nil && *e.UID != "" {
			if err := s.identify(ctx, &d, *e.UID); err != nil {
				return 0, err
			}
		}
		if e.Type == "identify" || len(e.User) > 0 {
			if err := s.setUser(ctx, org, d.IndvID, e.User); err != nil {
				return 0, prefixErr(i, err)
			}
			if e.Type == "identify" {
				continue
			}
		}
		r, err := s.recRecord(&d, e, received, skew, ag)
		if err != nil {
			return 0, prefixErr(i, err)
		}
		r.Values["PageUserAgent"] = nilIfEmpty(b.UserAgent)
		s.enrichIP(r.Values, b.IP, where)
		recs = append(recs, r)
	}
	// Identify may have moved the device to another person mid-batch; the
	// whole batch belongs to where the device ended up.
	for _, r := range recs {
		r.Values["IndvId"] = int64(d.IndvID)
	}
	if err := s.People.SaveDevice(ctx, d); err != nil {
		return 0, err
	}
	return s.Events.AppendEvents(ctx, org, recs)
}

func prefixErr(i int, err error) error {
	var e *event.Error
	if errors.As(err, &e) {
		return &event.Error{Code: e.Code,
			Message: "events[" + strconv.Itoa(i) + "]." + e.Message}
	}
	return err
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// setUser applies user fields sent with identify: displayName and email
// are person fields, everything else a custom user property.
func (s *Service) setUser(ctx context.Context, org event.OrgID, id event.IndvID, fields map[string]json.RawMessage) error {
	if len(fields) == 0 {
		return nil
	}
	in := UserInput{}
	rest := map[string]json.RawMessage{}
	for k, v := range fields {
		var str string
		switch k {
		case "displayName", "display_name":
			if json.Unmarshal(v, &str) == nil {
				in.DisplayName = &str
			}
		case "email":
			if json.Unmarshal(v, &str) == nil {
				in.Email = &str
			}
		default:
			rest[k] = v
		}
	}
	props, err := TypeProps(rest, nil)
	if err != nil {
		return err
	}
	in.Props = props
	p, err := s.People.Person(ctx, org, id)
	if err != nil {
		return err
	}
	_, err = s.applyUser(ctx, p, in)
	return err
}

// recRecord builds the stored event for one captured event.
func (s *Service) recRecord(d *store.Device, e *RecEvent, received time.Time, skew time.Duration, ag agent) (event.Record, error) {
	props, err := TypeProps(e.Props, nil)
	if err != nil {
		return event.Record{}, err
	}
	pageProps, err := TypeProps(e.PageProps, nil)
	if err != nil {
		return event.Record{}, err
	}
	typ := e.Type
	if typ == "pageview" {
		typ = "navigate"
	}
	client := e.TS.UTC()
	t := client.Add(skew)
	// A navigation starts a page; the load that follows it stays on it.
	s.place(d, t, e.URL, typ == "navigate")

	v := map[string]any{
		"EventId": e.ID, "EventStart": t, "EventType": typ,
		"EventClientTime": client, "EventReceivedAt": received,
		"UserId": d.UserID, "SessionId": d.SessionID, "PageId": d.PageID,
		"SessionStart": d.SessionStart, "PageStart": d.PageStart,
		"EventPageOffset":    t.Sub(d.PageStart).Milliseconds(),
		"EventSessionOffset": t.Sub(d.SessionStart).Milliseconds(),
		"PageUrl":            nilIfEmpty(d.PageURL),
		"DeviceKey":          d.Key,
	}
	if e.Text != nil {
		v["EventTargetText"] = *e.Text
	}
	set := func(name, val string) {
		if val != "" {
			v[name] = val
		}
	}
	set("EventCustomName", e.Name)
	set("EventTargetSelectorTok", e.Selector)
	set("PageRefererUrl", e.Referrer)
	set("PageName", e.PageName)
	set("EventVarErrorKind", e.ErrorKind)
	set("EventWebSourceFileUrl", e.Source)
	set("ReqUrl", e.ReqURL)
	set("ReqMethod", e.ReqMethod)
	set("PageBrowser", ag.Browser)
	set("PageBrowserVersion", ag.Version)
	set("PageOperatingSystem", ag.OS)
	set("PageDevice", ag.Device)
	if e.ReqStatus != nil {
		v["ReqStatus"] = *e.ReqStatus
	}
	// A click's modifiers are 0 or 1, as in the hosted export; other
	// events have none.
	flag := func(name string, on, always bool) {
		switch {
		case on:
			v[name] = int64(1)
		case always:
			v[name] = int64(0)
		}
	}
	click := typ == "click"
	flag("EventModFrustrated", e.Rage, click)
	flag("EventModDead", e.Dead, click)
	flag("EventModError", e.Error, click)
	flag("EventIsBot", ag.Bot, false)
	for k, name := range timingColumns {
		if ms, ok := e.Timing[k]; ok {
			v[name] = ms
		}
	}
	dims := map[string]int64{
		"PageScreenWidth": e.Screen[0], "PageScreenHeight": e.Screen[1],
		"PageViewportWidth": e.Viewport[0], "PageViewportHeight": e.Viewport[1],
	}
	for name, n := range dims {
		if n > 0 {
			v[name] = n
		}
	}
	return event.Record{Values: v, EventProps: props, PageProps: pageProps}, nil
}

// timingColumns maps the recorder's timing names to export columns.
var timingColumns = map[string]string{
	"domContent":     "LoadDomContentTime",
	"load":           "LoadEventTime",
	"firstPaint":     "LoadFirstPaintTime",
	"largestPaint":   "LoadLargestPaintTime",
	"duration":       "PageDuration",
	"activeDuration": "PageActiveDuration",
	"scrollPct":      "PageMaxScrollDepthPercent",
	"errors":         "PageNumErrors",
	"warnings":       "PageNumWarnings",
}
