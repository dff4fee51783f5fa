package segment

import (
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

func mustLoc(t fataler, name string) *time.Location {
	t.Helper()
	loc, err := LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func TestParseBound(t *testing.T) {
	tests := []struct {
		name, in, zone, want string
	}{
		// BUG-10: instants and date-only bounds in UTC.
		{"instant", "2024-05-01T00:00:00Z", "UTC", "2024-05-01T00:00:00Z"},
		{"date UTC", "2024-05-02", "UTC", "2024-05-02T00:00:00Z"},
		{"millis", "2024-05-01T23:59:59.999Z", "UTC",
			"2024-05-01T23:59:59.999Z"},

		// BUG-11: local bounds convert, offsets stay absolute.
		{"local NY", "2024-01-15T00:00:00", "America/New_York",
			"2024-01-15T05:00:00Z"},
		{"local NY end", "2024-01-16T00:00:00", "America/New_York",
			"2024-01-16T05:00:00Z"},
		{"Z in NY", "2024-01-15T00:00:00Z", "America/New_York",
			"2024-01-15T00:00:00Z"},
		{"offset in NY", "2024-01-15T00:00:00+02:00", "America/New_York",
			"2024-01-14T22:00:00Z"},
		{"local UTC", "2024-01-15T00:00:00", "UTC", "2024-01-15T00:00:00Z"},

		// BUG-12: the 23-hour spring-forward day and its gap.
		{"NY spring date", "2024-03-10", "America/New_York",
			"2024-03-10T05:00:00Z"},
		{"NY next date", "2024-03-11", "America/New_York",
			"2024-03-11T04:00:00Z"},
		{"NY gap forward", "2024-03-10T02:30:00", "America/New_York",
			"2024-03-10T07:30:00Z"},
		{"NY gap start", "2024-03-10T02:00:00", "America/New_York",
			"2024-03-10T07:00:00Z"},
		{"NY after gap", "2024-03-10T04:00:00", "America/New_York",
			"2024-03-10T08:00:00Z"},
		{"NY before gap", "2024-03-10T01:59:59", "America/New_York",
			"2024-03-10T06:59:59Z"},

		// Overlaps mean the first occurrence.
		{"NY overlap", "2024-11-03T01:30:00", "America/New_York",
			"2024-11-03T05:30:00Z"},
		{"NY after overlap", "2024-11-03T02:00:00", "America/New_York",
			"2024-11-03T07:00:00Z"},
		{"Berlin gap", "2024-03-31T02:30", "Europe/Berlin",
			"2024-03-31T01:30:00Z"},
		{"Berlin overlap", "2024-10-27T02:30:00", "Europe/Berlin",
			"2024-10-27T00:30:00Z"},
		{"Berlin fraction", "2024-10-27T02:30:00.250", "Europe/Berlin",
			"2024-10-27T00:30:00.25Z"},

		// Santiago skips its midnight: the day starts at 01:00.
		{"lost midnight", "2024-09-08", "America/Santiago",
			"2024-09-08T04:00:00Z"},
		{"Lord Howe half hour gap", "2024-10-06T02:15:00",
			"Australia/Lord_Howe", "2024-10-05T15:45:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseBound(tc.in, mustLoc(t, tc.zone))
			if err != nil {
				t.Fatalf("ParseBound(%q): %v", tc.in, err)
			}
			want := mustTime(t, tc.want)
			if !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("ParseBound(%q, %s) = %v, want %v", tc.in, tc.zone,
					got, want)
			}
		})
	}
}

func TestParseBoundErrors(t *testing.T) {
	for _, in := range []string{"", "yesterday", "2024-02-30",
		"2024-01-01T25:00:00", "2024-01-01 10:00:00", "1704067200",
		"2024-01-01T10:00:00+25:00"} {
		if _, err := ParseBound(in, time.UTC); err == nil {
			t.Errorf("ParseBound(%q): want an error", in)
		}
	}
}

// TestParseBoundRoundTrip checks, for random instants and zones, that
// reading an instant's local wall time back gives that instant, or an
// earlier one with the same wall time (its first occurrence).
func TestParseBoundRoundTrip(t *testing.T) {
	zones := []string{"UTC", "America/New_York", "Europe/Berlin",
		"America/Santiago", "Australia/Lord_Howe", "Asia/Kolkata",
		"Pacific/Apia", "America/St_Johns"}
	rapid.Check(t, func(t *rapid.T) {
		loc := mustLoc(t, rapid.SampledFrom(zones).Draw(t, "zone"))
		sec := rapid.Int64Range(946684800, 2082758400).Draw(t, "sec")
		at := time.Unix(sec, 0).UTC()
		wall := at.In(loc).Format("2006-01-02T15:04:05")
		got, err := ParseBound(wall, loc)
		if err != nil {
			t.Fatalf("ParseBound(%q): %v", wall, err)
		}
		if got.In(loc).Format("2006-01-02T15:04:05") != wall {
			t.Fatalf("ParseBound(%q) = %v, shows another wall time", wall,
				got.In(loc))
		}
		if got.After(at) {
			t.Fatalf("ParseBound(%q) = %v, after the instant %v", wall, got,
				at)
		}
	})
}

func TestLoadLocation(t *testing.T) {
	for _, name := range []string{"", "UTC", "Europe/Berlin",
		"America/New_York", "Etc/GMT+5"} {
		if _, err := LoadLocation(name); err != nil {
			t.Errorf("LoadLocation(%q): %v", name, err)
		}
	}
	tests := []struct{ in, want string }{
		{"Mars/Olympus", `unknown timezone "Mars/Olympus"`},
		{"+05:00", `fixed offset "+05:00" is not supported as a timezone`},
		{"-0300", "fixed offset"},
		{"UTC+2", "fixed offset"},
		{"GMT-01:00", "fixed offset"},
		{"Local", `unknown timezone "Local"`},
		{"../../etc/passwd", "unknown timezone"},
	}
	for _, tc := range tests {
		_, err := LoadLocation(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("LoadLocation(%q) = %v, want %q", tc.in, err, tc.want)
		}
	}
}
