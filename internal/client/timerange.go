package client

import (
	"fmt"
	"time"
)

// Layouts of a local wall time without an offset, read in a zone.
var localLayouts = []string{
	"2006-01-02",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04",
}

// ParseTime reads a time bound as people type it: an RFC 3339 instant
// (2024-05-01T10:00:00Z), or a wall time in loc without an offset
// (2024-05-01T10:00:00), or a date (2024-05-01) meaning local midnight.
// Wall times resolve as LocalTime says.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range localLayouts {
		w, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		return LocalTime(w.Year(), w.Month(), w.Day(),
			w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), loc), nil
	}
	return time.Time{}, fmt.Errorf("%q is neither a date (2024-05-01) "+
		"nor an RFC 3339 time (2024-05-01T10:00:00Z)", s)
}

// LocalTime is the instant at which clocks in loc show the given wall
// time. Out-of-range fields normalize as in time.Date. As RFC 5545
// says, a wall time that a clock change skips takes the offset in force
// before the change (02:30 on New York's spring-forward day is 03:30
// EDT), and one that occurs twice means its first occurrence.
//
// time.Date leaves both choices unspecified, which is why this exists.
func LocalTime(year int, month time.Month, day, hour, minute, sec, nsec int,
	loc *time.Location) time.Time {
	wall := time.Date(year, month, day, hour, minute, sec, nsec, time.UTC)

	// Offsets run from -12h to +14h, so the instant lies within
	// [wall-14h, wall+12h]; look just outside that window on each side.
	_, before := wall.Add(-15 * time.Hour).In(loc).Zone()
	_, after := wall.Add(13 * time.Hour).In(loc).Zone()
	early := wall.Add(-time.Duration(before) * time.Second)
	late := wall.Add(-time.Duration(after) * time.Second)
	if late.Before(early) {
		early, late = late, early
	}

	shows := func(t time.Time) bool {
		_, off := t.In(loc).Zone()
		return t.Add(time.Duration(off) * time.Second).Equal(wall)
	}
	switch {
	case shows(early):
		return early.In(loc)
	case shows(late):
		return late.In(loc)
	default: // skipped: read with the offset from before the change
		return wall.Add(-time.Duration(before) * time.Second).In(loc)
	}
}

// Day is one calendar day of a split range, cut to the range's bounds.
type Day struct {
	Date  string    // the day in the zone, as 2006-01-02
	Start time.Time // inclusive
	End   time.Time // exclusive
}

// SplitDays cuts the half-open range [start, end) at every midnight in
// loc that falls inside it. The days are calendar days, so one with a
// clock change lasts 23 or 25 hours, and together they cover the range
// exactly, each instant in one day.
func SplitDays(start, end time.Time, loc *time.Location) []Day {
	var days []Day
	for from := start; from.Before(end); {
		l := from.In(loc)
		next := LocalTime(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, loc)
		// A clock set back across midnight can show yesterday's date
		// after today began; step on until the cut lies ahead.
		for n := 2; !next.After(from); n++ {
			next = LocalTime(l.Year(), l.Month(), l.Day()+n, 0, 0, 0, 0, loc)
		}

		to := next
		if end.Before(to) {
			to = end
		}
		days = append(days, Day{Date: l.Format(time.DateOnly),
			Start: from, End: to})
		from = to
	}
	return days
}

// FormatTime writes t as a bound for the API: RFC 3339 in UTC, keeping
// any fraction of a second exactly.
func FormatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}
