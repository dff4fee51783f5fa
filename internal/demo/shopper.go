package demo

import (
	"fmt"
	"math/rand/v2"
)

// shopper is one generated person while their sessions are planned.
type shopper struct {
	index      int
	rng        *rand.Rand // every draw for this person comes from here
	indvID     int64
	identified bool
	intent     float64 // 0..1, how keen they are to buy
	devices    []*device
	cart       []cartLine // carried from one session to the next
	orders     int
}

// cartLine is one product in a shopper's cart.
type cartLine struct {
	fruit int
	qty   int64
}

// device is one browser of a shopper: a UserId with its own cookie key,
// profile, address and location.
type device struct {
	userID   int64
	key      string
	profile  *deviceProfile
	place    *place
	ip       string
	latLong  string
	skewMs   int64   // how far the device clock is off
	rageRate float64 // how often an unresponsive button is hammered
	cols     []column
}

// sessionPlan is a planned session, not yet placed in time.
type sessionPlan struct {
	dev    *device
	pages  []*pageView
	end    int64 // ms from the start until the shopper left
	orders []float64
}

// newShopper draws a person and their devices. About 30% sign in; a
// quarter of those also shop on a second device.
func (g *generator) newShopper(index int) *shopper {
	rng := rand.New(rand.NewPCG(uint64(g.opt.Seed), uint64(index)))
	s := &shopper{index: index, rng: rng, indvID: g.ids.next(kindIndv)}
	s.identified = rng.Float64() < 0.3

	// Most people only browse; a few came to buy.
	u := rng.Float64()
	s.intent = 0.02 + 0.9*u*u*u
	if s.identified {
		s.intent = min(0.95, s.intent+0.1)
	}

	home := &places[weighted(rng, len(places), func(i int) int {
		return places[i].weight
	})]
	first := pickProfile(rng, "")
	s.devices = append(s.devices, g.newDevice(rng, first, home))
	if s.identified && rng.Float64() < 0.25 {
		other := "Desktop"
		if first.device == "Desktop" {
			other = "Mobile"
		}
		s.devices = append(s.devices, g.newDevice(rng, pickProfile(rng, other), home))
	}
	return s
}

// pickProfile draws a device profile, of one kind of device when kind
// is set.
func pickProfile(rng *rand.Rand, kind string) *deviceProfile {
	i := weighted(rng, len(deviceProfiles), func(i int) int {
		if kind != "" && deviceProfiles[i].device != kind {
			return 0
		}
		return deviceProfiles[i].weight
	})
	return &deviceProfiles[i]
}

func (g *generator) newDevice(rng *rand.Rand, p *deviceProfile, at *place) *device {
	id := g.ids.next(kindUser)
	d := &device{
		userID:  id,
		key:     fmt.Sprintf("dk_%016x", mix64(uint64(id)^uint64(g.opt.Seed))),
		profile: p,
		place:   at,
		ip:      ipPrefixes[rng.IntN(len(ipPrefixes))] + fmt.Sprint(1+rng.IntN(254)),
		latLong: fmt.Sprintf("%.4f,%.4f",
			at.lat+rng.Float64()*0.1-0.05, at.lng+rng.Float64()*0.1-0.05),
		skewMs:   rng.Int64N(4000) - 2000,
		rageRate: 0.02,
	}
	if p.device == "Mobile" {
		d.rageRate = 0.15
	}
	d.cols = deviceColumns(d)
	return d
}

// sessionWeights is how many people have 1, 2, ... 5 sessions.
var sessionWeights = []int{30, 27, 19, 13, 11}

// planSessions plans every session of the shopper, in order, so that a
// cart filled in one session can be bought from in the next.
func (s *shopper) planSessions() []*sessionPlan {
	n := 1 + weighted(s.rng, len(sessionWeights), func(i int) int {
		return sessionWeights[i]
	})
	if s.identified && s.rng.Float64() < 0.5 {
		n++
	}
	if len(s.devices) > 1 {
		n = max(n, 2)
	}
	n = min(n, 5)

	plans := make([]*sessionPlan, 0, n)
	for k := range n {
		// The first two sessions use each device once, so a second
		// device always shows up in the data.
		dev := s.devices[0]
		if len(s.devices) > 1 && (k == 1 || k > 1 && s.rng.IntN(2) == 0) {
			dev = s.devices[1]
		}
		j := &journey{rng: s.rng, shop: s, dev: dev,
			arrival: referrers[weighted(s.rng, len(referrers), func(i int) int {
				return referrers[i].weight
			})],
		}
		j.run()
		j.wait(2000, 40000) // time on the last page before leaving
		plans = append(plans, &sessionPlan{
			dev: dev, pages: j.pages, end: j.at, orders: j.orders,
		})
	}
	return plans
}

// weighted draws an index in [0, n) with the given weights.
func weighted(rng *rand.Rand, n int, weight func(int) int) int {
	total := 0
	for i := range n {
		total += weight(i)
	}
	r := rng.IntN(total)
	for i := range n {
		if r -= weight(i); r < 0 {
			return i
		}
	}
	return n - 1
}
