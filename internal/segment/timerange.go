package segment

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Limits that keep resolved instants and durations in range.
const (
	maxLast   = 100000                // the N of "last N<unit>"
	maxWithin = 3660 * 24 * time.Hour // about ten years
)

var (
	lastRE   = regexp.MustCompile(`^([1-9][0-9]{0,5})([hdw])$`)
	withinRE = regexp.MustCompile(`^([1-9][0-9]{0,5})([smhdw])$`)
)

// Resolve turns r into a half-open window [start, end) at the instant
// now, reading local times and day boundaries in loc. A zero start or
// end is unbounded.
//
// "last Nd" covers N whole local days ending with today: from local
// midnight N-1 days before today to local midnight after it, so "last
// 1d" is today. Weeks are 7N days. Day lengths follow the calendar (23
// or 25 hours across DST). "last Nh" is [now - N hours, now).
func (r TimeRange) Resolve(now time.Time, loc *time.Location) (start, end time.Time, err error) {
	return r.resolve("timeRange", now, loc)
}

// resolve is Resolve with the path its errors name.
func (r TimeRange) resolve(path string, now time.Time,
	loc *time.Location) (start, end time.Time, err error) {
	if loc == nil {
		loc = time.UTC
	}
	if err := r.check(path); err != nil {
		return time.Time{}, time.Time{}, err
	}
	switch {
	case r.IsAll():
		return time.Time{}, time.Time{}, nil
	case r.Last != "":
		start, end = resolveLast(r.Last, now, loc)
		return start, end, nil
	case r.Since != "":
		start, _ = ParseBound(r.Since, loc) // check read it
		return start, time.Time{}, nil
	}
	if r.Start != "" {
		start, _ = ParseBound(r.Start, loc)
	}
	if r.End != "" {
		end, _ = ParseBound(r.End, loc)
	}
	if !start.IsZero() && !end.IsZero() && start.After(end) {
		return time.Time{}, time.Time{}, invalidAt(path, "start is after end")
	}
	return start, end, nil
}

// resolveLast resolves a "last" form already checked by check.
func resolveLast(s string, now time.Time, loc *time.Location) (start, end time.Time) {
	m := lastRE.FindStringSubmatch(s)
	n, _ := strconv.Atoi(m[1])
	if m[2] == "h" {
		return now.Add(-time.Duration(n) * time.Hour).UTC(), now.UTC()
	}
	if m[2] == "w" {
		n *= 7
	}
	y, mo, d := now.In(loc).Date()
	return localMidnight(y, mo, d-(n-1), loc), localMidnight(y, mo, d+1, loc)
}

// localMidnight is the start of a calendar day in loc; time.Date
// normalises an out-of-range day. A midnight lost to DST resolves
// forward, as ParseBound does.
func localMidnight(y int, mo time.Month, d int, loc *time.Location) time.Time {
	return resolveWall(time.Date(y, mo, d, 0, 0, 0, 0, time.UTC), loc)
}

// check validates the form of r without resolving it; path prefixes
// its errors.
func (r TimeRange) check(path string) error {
	forms := 0
	for _, set := range []bool{r.Last != "", r.Since != "",
		r.Start != "" || r.End != "", r.All} {
		if set {
			forms++
		}
	}
	if forms > 1 {
		return invalidAt(path, "set only one of last, since, start/end, all")
	}
	if r.Last != "" {
		m := lastRE.FindStringSubmatch(r.Last)
		if m == nil {
			return invalidAt(path+".last", "want a count and a unit h, d "+
				"or w, like \"30d\"")
		}
		if n, _ := strconv.Atoi(m[1]); n > maxLast {
			return invalidAt(path+".last", "at most %d units", maxLast)
		}
	}
	for _, b := range []struct{ name, v string }{
		{"since", r.Since}, {"start", r.Start}, {"end", r.End},
	} {
		if b.v == "" {
			continue
		}
		if _, err := ParseBound(b.v, time.UTC); err != nil {
			return wrapAt(path+"."+b.name, err)
		}
	}
	return nil
}

// parseWithin reads a sequence's within: a count and a unit s, m, h, d
// (24 hours) or w (7 days).
func parseWithin(s string) (time.Duration, error) {
	m := withinRE.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("want a count and a unit s, m, h, d or w, " +
			"like \"30m\"")
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	unit := map[string]time.Duration{
		"s": time.Second, "m": time.Minute, "h": time.Hour,
		"d": 24 * time.Hour, "w": 7 * 24 * time.Hour,
	}[m[2]]
	if n > int64(maxWithin/unit) {
		return 0, fmt.Errorf("at most %d days", int(maxWithin/(24*time.Hour)))
	}
	return time.Duration(n) * unit, nil
}
