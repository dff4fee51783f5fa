package segment

import (
	"strings"
	"time"

	// Zone data is embedded so that names resolve the same on hosts
	// without a zoneinfo database.
	_ "time/tzdata"

	"github.com/backstory-dev/backstory/internal/event"
)

// LoadLocation resolves a timezone name as requests and definitions
// spell it: an IANA name such as "Europe/Berlin", or "" for UTC. Fixed
// offsets ("+05:00") and "Local" are rejected, never read as UTC. The
// error is an invalid_argument naming the zone.
func LoadLocation(name string) (*time.Location, error) {
	if name == "" || name == "UTC" {
		return time.UTC, nil
	}
	if isFixedOffset(name) {
		return nil, event.Invalid("fixed offset %q is not supported as a "+
			"timezone; use an IANA name such as \"Europe/Berlin\"", name)
	}
	if name == "Local" || len(name) > 64 {
		return nil, event.Invalid("unknown timezone %q; use an IANA name "+
			"such as \"Europe/Berlin\"", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, event.Invalid("unknown timezone %q; use an IANA name "+
			"such as \"Europe/Berlin\"", name)
	}
	return loc, nil
}

// isFixedOffset spots "+05:00", "-0300", "UTC+2", "GMT-01:00" and the
// like. The IANA "Etc/GMT+5" names are left to the zone database.
func isFixedOffset(name string) bool {
	s := strings.ToUpper(name)
	for _, p := range []string{"UTC", "GMT"} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			s = rest
			break
		}
	}
	return s != "" && strings.ContainsAny(s[:1], "+-0123456789")
}

// The layouts of a bound without an offset. Fractional seconds are
// accepted after the seconds by time.Parse.
var localLayouts = []string{
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02",
}

// ParseBound reads a time bound. With an offset ("Z", "+02:00") it is an
// absolute instant. Without one it is wall time in loc, and a date alone
// is local midnight. A wall time that does not exist (a DST gap) is read
// with the offset in force before the gap, so 02:30 on the New York
// spring-forward day is 03:30 EDT; one that occurs twice (an overlap)
// means the first occurrence. The result is in UTC.
func ParseBound(s string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range localLayouts {
		wall, err := time.Parse(layout, s)
		if err == nil {
			return resolveWall(wall, loc), nil
		}
	}
	return time.Time{}, event.Invalid("invalid time %q: use RFC 3339 "+
		"(2024-05-01T10:00:00Z), a local time (2024-05-01T10:00:00) or a "+
		"date (2024-05-01)", s)
}

// resolveWall finds the instant at which clocks in loc show the wall
// time w (given as a UTC time whose fields are the wall clock), with the
// gap and overlap rules of ParseBound.
func resolveWall(w time.Time, loc *time.Location) time.Time {
	y, mo, d := w.Date()
	h, mi, sec := w.Clock()
	guess := time.Date(y, mo, d, h, mi, sec, w.Nanosecond(), loc)

	// The offsets in force around the guess: its zone and its neighbours.
	start, end := guess.ZoneBounds()
	_, off := guess.Zone()
	offsets := []int{off}
	if !start.IsZero() {
		_, o := start.Add(-time.Nanosecond).Zone()
		offsets = append(offsets, o)
	}
	if !end.IsZero() {
		_, o := end.Zone()
		offsets = append(offsets, o)
	}

	// An offset is valid when the instant it gives shows w; take the
	// earliest valid instant, which is the first occurrence.
	var best time.Time
	for _, o := range offsets {
		t := w.Add(-time.Duration(o) * time.Second)
		if sameWall(t.In(loc), w) && (best.IsZero() || t.Before(best)) {
			best = t
		}
	}
	if !best.IsZero() {
		return best.UTC()
	}

	// A gap: find the transition it belongs to and read w with the
	// offset in force before it.
	for _, tr := range []time.Time{start, end} {
		if tr.IsZero() {
			continue
		}
		_, before := tr.Add(-time.Nanosecond).Zone()
		_, after := tr.Zone()
		lo := tr.Add(time.Duration(before) * time.Second)
		hi := tr.Add(time.Duration(after) * time.Second)
		if !w.Before(lo.UTC()) && w.Before(hi.UTC()) {
			return w.Add(-time.Duration(before) * time.Second).UTC()
		}
	}
	return guess.UTC()
}

// sameWall reports whether t (in its location) shows the wall clock of
// w (in UTC).
func sameWall(t, w time.Time) bool {
	y1, m1, d1 := t.Date()
	y2, m2, d2 := w.Date()
	h1, i1, s1 := t.Clock()
	h2, i2, s2 := w.Clock()
	return y1 == y2 && m1 == m2 && d1 == d2 && h1 == h2 && i1 == i2 &&
		s1 == s2 && t.Nanosecond() == w.Nanosecond()
}
