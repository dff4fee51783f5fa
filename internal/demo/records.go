package demo

import (
	"time"

	"github.com/backstory-dev/backstory/internal/event"
)

// column is a column name with its value, boxed once and shared by
// every event it belongs to; boxing per event would dominate the cost.
type column struct {
	name  string
	value any
}

// materialize turns a placed session plan into records: it draws the
// session and page ids, and fills in the columns every event of a page
// shares, then hands the records to the batch.
func (g *generator) materialize(s *shopper, plan *sessionPlan, start time.Time) error {
	d := plan.dev
	session := append(d.cols[:len(d.cols):len(d.cols)],
		column{"IndvId", s.indvID},
		column{"UserId", d.userID},
		column{"SessionId", g.ids.next(kindSession)},
		column{"SessionStart", start},
	)

	for i, p := range plan.pages {
		pageEnd := plan.end
		if i+1 < len(plan.pages) {
			pageEnd = plan.pages[i+1].start
		}
		page := g.pageColumns(s, p, start, pageEnd)

		for _, st := range p.steps {
			v := st.vals
			for _, c := range session {
				v[c.name] = c.value
			}
			for _, c := range page {
				v[c.name] = c.value
			}
			t := start.Add(ms(st.at))
			v["EventId"] = eventID(g.opt.Seed, g.events)
			v["EventStart"] = t
			v["EventClientTime"] = t.Add(ms(d.skewMs))
			v["EventReceivedAt"] = t.Add(ms(300 + s.rng.Int64N(5000)))
			v["EventPageOffset"] = st.at - p.start
			v["EventSessionOffset"] = st.at
			g.events++

			err := g.push(event.Record{Values: v, EventProps: st.props, PageProps: p.props})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// pageColumns draws a page id and lists the values one page gives all
// of its events.
func (g *generator) pageColumns(s *shopper, p *pageView, sessionStart time.Time,
	end int64) []column {
	duration := end - p.start
	errs := int64(0)
	for _, st := range p.steps {
		if st.vals["EventType"] == "error" {
			errs++
		}
	}
	return []column{
		{"PageId", g.ids.next(kindPage)},
		{"PageStart", sessionStart.Add(ms(p.start))},
		{"PageName", p.name},
		{"PageUrl", p.url},
		{"PageRefererUrl", p.referrer},
		{"PageDuration", duration},
		{"PageActiveDuration", duration * (45 + s.rng.Int64N(50)) / 100},
		{"PageNumInfos", int64(s.rng.IntN(3))},
		{"PageNumWarnings", int64(s.rng.IntN(10) / 8)},
		{"PageNumErrors", errs},
		{"PageMaxScrollDepthPercent", p.scroll},
		{"PageClusterId", p.cluster},
	}
}

// deviceColumns lists the values that come from a device: its browser,
// screen, address and location.
func deviceColumns(d *device) []column {
	p := d.profile
	return []column{
		{"DeviceKey", d.key},
		{"PageIp", d.ip},
		{"PageLatLong", d.latLong},
		{"PageCountry", d.place.country},
		{"PageRegion", d.place.region},
		{"PageCity", d.place.city},
		{"PageUserAgent", p.ua},
		{"PageBrowser", p.browser},
		{"PageBrowserVersion", p.version},
		{"PageDevice", p.device},
		{"PagePlatform", "Web"},
		{"PageOperatingSystem", p.os},
		{"PageScreenWidth", p.screenW},
		{"PageScreenHeight", p.screenH},
		{"PageViewportWidth", p.viewW},
		{"PageViewportHeight", p.viewH},
		{"EventIsBot", int64(0)},
	}
}
