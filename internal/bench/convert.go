package bench

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/backstory-dev/backstory/internal/capture"
	"github.com/backstory-dev/backstory/internal/event"
)

// recBatchMax is the most events the bench puts in one browser batch:
// a recorder flushes every few seconds, so real batches are small.
const recBatchMax = 100

// v2Event is one item of a v2 events batch, as a server SDK sends it.
type v2Event struct {
	User       v2User                     `json:"user"`
	Name       string                     `json:"name"`
	Timestamp  string                     `json:"timestamp"`
	Properties map[string]json.RawMessage `json:"properties,omitempty"`
	Context    v2Context                  `json:"context"`
}

type v2User struct {
	UID string `json:"uid"`
}

type v2Context struct {
	Browser struct {
		URL             string `json:"url,omitempty"`
		UserAgent       string `json:"user_agent,omitempty"`
		InitialReferrer string `json:"initial_referrer,omitempty"`
	} `json:"browser"`
	Location struct {
		Country   string `json:"country,omitempty"`
		Region    string `json:"region,omitempty"`
		City      string `json:"city,omitempty"`
		IPAddress string `json:"ip_address,omitempty"`
	} `json:"location"`
}

func str(v map[string]any, name string) string {
	s, _ := v[name].(string)
	return s
}

func i64(v map[string]any, name string) int64 {
	n, _ := v[name].(int64)
	return n
}

// v2Body encodes records as one POST /v2/events/batch body. A generated
// event becomes a named server event of its person: custom events keep
// their name and properties, others are named after their type.
func v2Body(recs []event.Record, uids map[int64]string) ([]byte, error) {
	items := make([]v2Event, len(recs))
	for i, r := range recs {
		v := r.Values
		e := v2Event{User: v2User{UID: uids[i64(v, "IndvId")]},
			Name:       str(v, "EventType"),
			Timestamp:  v["EventStart"].(time.Time).Format(time.RFC3339Nano),
			Properties: r.EventProps}
		if n := str(v, "EventCustomName"); n != "" {
			e.Name = n
		}
		e.Context.Browser.URL = str(v, "PageUrl")
		e.Context.Browser.UserAgent = str(v, "PageUserAgent")
		e.Context.Browser.InitialReferrer = str(v, "PageRefererUrl")
		e.Context.Location.Country = str(v, "PageCountry")
		e.Context.Location.Region = str(v, "PageRegion")
		e.Context.Location.City = str(v, "PageCity")
		e.Context.Location.IPAddress = str(v, "PageIp")
		items[i] = e
	}
	return json.Marshal(map[string]any{"requests": items})
}

// recBodies encodes records as browser batches: runs of consecutive
// events of one device, at most recBatchMax each. It returns the bodies
// and how many stored events each should yield (identify is not one).
func recBodies(recs []event.Record, uids map[int64]string) ([][]byte, []int, error) {
	var bodies [][]byte
	var counts []int
	for len(recs) > 0 {
		dev := str(recs[0].Values, "DeviceKey")
		n := 1
		for n < len(recs) && n < recBatchMax && str(recs[n].Values, "DeviceKey") == dev {
			n++
		}
		b := capture.RecBatch{Org: string(ingestOrg), Device: dev,
			UserAgent: str(recs[0].Values, "PageUserAgent")}
		stored := 0
		for _, r := range recs[:n] {
			e := recEvent(r, uids)
			if e.Type != "identify" {
				stored++
			}
			b.Events = append(b.Events, e)
		}
		raw, err := json.Marshal(b)
		if err != nil {
			return nil, nil, err
		}
		bodies, counts = append(bodies, raw), append(counts, stored)
		recs = recs[n:]
	}
	return bodies, counts, nil
}

// recEvent is what the recorder would have sent for a generated event.
// The demo's uservar event, sent when a shopper signs in, becomes the
// recorder's identify.
func recEvent(r event.Record, uids map[int64]string) capture.RecEvent {
	v := r.Values
	e := capture.RecEvent{ID: str(v, "EventId"), Type: str(v, "EventType"),
		TS: v["EventStart"].(time.Time), URL: str(v, "PageUrl"),
		Referrer: str(v, "PageRefererUrl"), PageName: str(v, "PageName"),
		Selector: str(v, "EventTargetSelectorTok"),
		Name:     str(v, "EventCustomName"), Props: r.EventProps,
		PageProps: r.PageProps, ErrorKind: str(v, "EventVarErrorKind"),
		Source: str(v, "EventWebSourceFileUrl"), ReqURL: str(v, "ReqUrl"),
		ReqMethod: str(v, "ReqMethod"),
		Rage:      i64(v, "EventModFrustrated") == 1,
		Dead:      i64(v, "EventModDead") == 1,
		Error:     i64(v, "EventModError") == 1,
		Screen:    [2]int64{i64(v, "PageScreenWidth"), i64(v, "PageScreenHeight")},
		Viewport:  [2]int64{i64(v, "PageViewportWidth"), i64(v, "PageViewportHeight")},
	}
	if t, ok := v["EventTargetText"].(string); ok {
		e.Text = &t
	}
	if s, ok := v["ReqStatus"].(int64); ok {
		e.ReqStatus = &s
	}
	if e.Type == "uservar" {
		uid := uids[i64(v, "IndvId")]
		e.Type, e.UID = "identify", &uid
	}
	e.Timing = map[string]int64{}
	for key, col := range map[string]string{
		"domContent": "LoadDomContentTime", "load": "LoadEventTime",
		"firstPaint": "LoadFirstPaintTime", "largestPaint": "LoadLargestPaintTime",
	} {
		if ms, ok := v[col].(int64); ok {
			e.Timing[key] = ms
		}
	}
	return e
}

// anonUID is the uid a v2 client would use for a person who never
// signed in.
func anonUID(id event.IndvID) string {
	return "anon-" + strconv.FormatInt(int64(id), 10)
}
