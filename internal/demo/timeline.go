package demo

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
)

const (
	// idle is the gap that ends a session; sessions of one person are
	// placed further apart than this.
	idle = 30 * time.Minute
	// margin keeps every event, and its arrival, before the range's end.
	margin = time.Minute
)

func ms(n int64) time.Duration { return time.Duration(n) * time.Millisecond }

// place gives the planned sessions start times, in order, each starting
// more than 30 minutes after the previous one ended. Sessions that would
// run past the end of the range are dropped; the first always fits.
func (g *generator) place(rng *rand.Rand, plans []*sessionPlan) []time.Time {
	longest := int64(0)
	for _, p := range plans {
		longest = max(longest, p.end)
	}
	latest := g.end.Add(-ms(longest) - margin)
	tz := plans[0].dev.place.tz

	starts := make([]time.Time, len(plans))
	for k := range starts {
		starts[k] = g.drawStart(rng, tz, latest)
	}
	slices.SortFunc(starts, time.Time.Compare)

	for k := 1; k < len(starts); k++ {
		prevEnd := starts[k-1].Add(ms(plans[k-1].end))
		earliest := prevEnd.Add(idle + ms(60_000+rng.Int64N(90*60_000)))
		if starts[k].Before(earliest) {
			starts[k] = earliest
		}
		if starts[k].Add(ms(plans[k].end) + margin).After(g.end) {
			return starts[:k]
		}
	}
	return starts
}

// drawStart draws a session start in [g.start, latest]: busier in the
// local daytime, and busier towards the end of the range, as a growing
// shop would be.
func (g *generator) drawStart(rng *rand.Rand, tz int, latest time.Time) time.Time {
	if !latest.After(g.start) {
		return g.start
	}
	days := g.opt.Days + 1
	for range 8 {
		day := rng.IntN(days)
		if rng.IntN(2) == 0 {
			day = int(float64(days) * math.Sqrt(rng.Float64()))
		}
		hour := weighted(rng, 24, func(h int) int { return hourWeights[h] })
		t := g.firstDay.Add(time.Duration(day)*24*time.Hour +
			time.Duration(hour-tz)*time.Hour + ms(rng.Int64N(3_600_000)))
		if !t.Before(g.start) && !t.After(latest) {
			return t
		}
	}
	span := latest.Sub(g.start).Milliseconds()
	return g.start.Add(ms(rng.Int64N(span)))
}

// toPerson makes the stored person and lists the devices they used.
// Signed-in people get a uid, a name, an email at a reserved domain and
// properties; the others stay anonymous.
func (g *generator) toPerson(s *shopper, plans []*sessionPlan,
	starts []time.Time) (event.Person, []DeviceOf) {
	last := len(plans) - 1
	p := event.Person{
		OrgID:   g.opt.Org,
		IndvID:  event.IndvID(s.indvID),
		Created: starts[0],
		Updated: starts[last].Add(ms(plans[last].end)),
		Props:   event.Props{},
	}

	var devices []DeviceOf
	for _, plan := range plans {
		d := DeviceOf{UserID: plan.dev.userID, DeviceKey: plan.dev.key}
		if !slices.Contains(devices, d) {
			devices = append(devices, d)
		}
	}
	if !s.identified {
		return p, devices
	}

	first := firstNames[s.rng.IntN(len(firstNames))]
	family := lastNames[s.rng.IntN(len(lastNames))]
	uid := "cust-" + strconv.Itoa(1000+s.index)
	name := first + " " + family
	domain := "example.com"
	if s.rng.IntN(10) < 3 {
		domain = "example.org"
	}
	email := strings.ToLower(first+"."+family) + strconv.Itoa(s.index) +
		"@" + domain
	p.UID, p.DisplayName, p.Email = &uid, &name, &email

	// Most signed up before the range and have bought before.
	ltv := 0.0
	if s.rng.Float64() < 0.65 {
		p.Created = g.start.Add(-ms(s.rng.Int64N(700 * 86_400_000)))
		ltv = float64(s.rng.IntN(30000)) / 100
	}
	for _, plan := range plans {
		for _, total := range plan.orders {
			ltv += total
		}
	}
	p.Props["plan_str"] = propStr(plans3[weighted(s.rng, 3, planWeight)])
	p.Props["ltv_real"] = propReal(math.Round(ltv*100) / 100)
	return p, devices
}

var plans3 = [3]string{"free", "pro", "team"}

func planWeight(i int) int { return [3]int{60, 30, 10}[i] }
