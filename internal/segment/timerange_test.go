package segment

import (
	"testing"
	"time"
)

func TestResolve(t *testing.T) {
	tests := []struct {
		name       string
		r          TimeRange
		zone, now  string
		start, end string // "" is unbounded
	}{
		{"all", TimeRange{All: true}, "UTC", "2024-05-31T12:00:00Z", "", ""},
		{"zero is all", TimeRange{}, "UTC", "2024-05-31T12:00:00Z", "", ""},
		{"last 1d is today", TimeRange{Last: "1d"}, "UTC",
			"2024-05-31T12:00:00Z", "2024-05-31T00:00:00Z",
			"2024-06-01T00:00:00Z"},
		{"last 30d", TimeRange{Last: "30d"}, "UTC", "2024-08-31T00:00:00Z",
			"2024-08-02T00:00:00Z", "2024-09-01T00:00:00Z"},
		{"at local midnight", TimeRange{Last: "1d"}, "America/New_York",
			"2024-05-31T04:00:00Z", "2024-05-31T04:00:00Z",
			"2024-06-01T04:00:00Z"},
		{"just before local midnight", TimeRange{Last: "1d"},
			"America/New_York", "2024-05-31T03:59:59.999Z",
			"2024-05-30T04:00:00Z", "2024-05-31T04:00:00Z"},
		{"NY spring day is 23h", TimeRange{Last: "1d"}, "America/New_York",
			"2024-03-10T12:00:00Z", "2024-03-10T05:00:00Z",
			"2024-03-11T04:00:00Z"},
		{"NY across spring", TimeRange{Last: "2d"}, "America/New_York",
			"2024-03-11T12:00:00Z", "2024-03-10T05:00:00Z",
			"2024-03-12T04:00:00Z"},
		{"NY fall day is 25h", TimeRange{Last: "1d"}, "America/New_York",
			"2024-11-03T12:00:00Z", "2024-11-03T04:00:00Z",
			"2024-11-04T05:00:00Z"},
		{"Berlin spring", TimeRange{Last: "1d"}, "Europe/Berlin",
			"2024-03-31T12:00:00Z", "2024-03-30T23:00:00Z",
			"2024-03-31T22:00:00Z"},
		{"Berlin week over fall", TimeRange{Last: "1w"}, "Europe/Berlin",
			"2024-10-30T12:00:00Z", "2024-10-23T22:00:00Z",
			"2024-10-30T23:00:00Z"},
		{"Berlin today is UTC yesterday", TimeRange{Last: "1d"},
			"Europe/Berlin", "2024-06-30T22:30:00Z", "2024-06-30T22:00:00Z",
			"2024-07-01T22:00:00Z"},
		{"lost midnight", TimeRange{Last: "1d"}, "America/Santiago",
			"2024-09-08T12:00:00Z", "2024-09-08T04:00:00Z",
			"2024-09-09T03:00:00Z"},
		{"hours", TimeRange{Last: "24h"}, "Europe/Berlin",
			"2024-03-31T12:00:00Z", "2024-03-30T12:00:00Z",
			"2024-03-31T12:00:00Z"},
		{"since date", TimeRange{Since: "2024-03-10"}, "America/New_York",
			"2024-05-31T12:00:00Z", "2024-03-10T05:00:00Z", ""},
		{"start end", TimeRange{Start: "2024-03-10", End: "2024-03-11"},
			"America/New_York", "2024-05-31T12:00:00Z",
			"2024-03-10T05:00:00Z", "2024-03-11T04:00:00Z"},
		{"start only", TimeRange{Start: "2024-08-01"}, "UTC",
			"2024-05-31T12:00:00Z", "2024-08-01T00:00:00Z", ""},
		{"end only", TimeRange{End: "2024-08-01T00:00:00+02:00"}, "UTC",
			"2024-05-31T12:00:00Z", "", "2024-07-31T22:00:00Z"},
		{"equal bounds", TimeRange{Start: "2024-08-01", End: "2024-08-01"},
			"UTC", "2024-05-31T12:00:00Z", "2024-08-01T00:00:00Z",
			"2024-08-01T00:00:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start, end, err := tc.r.Resolve(mustTime(t, tc.now),
				mustLoc(t, tc.zone))
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			check := func(what string, got time.Time, want string) {
				if want == "" {
					if !got.IsZero() {
						t.Errorf("%s = %v, want unbounded", what, got)
					}
					return
				}
				if w := mustTime(t, want); !got.Equal(w) {
					t.Errorf("%s = %v, want %v", what, got, w)
				}
			}
			check("start", start, tc.start)
			check("end", end, tc.end)
		})
	}
}

func TestResolveErrors(t *testing.T) {
	now := time.Date(2024, 5, 31, 12, 0, 0, 0, time.UTC)
	for _, r := range []TimeRange{
		{Start: "2024-08-02", End: "2024-08-01"},
		{Last: "30"},
		{Last: "1d", All: true},
		{Since: "later"},
	} {
		if _, _, err := r.Resolve(now, time.UTC); err == nil {
			t.Errorf("Resolve(%+v): want an error", r)
		}
	}
}

func TestParseWithin(t *testing.T) {
	tests := map[string]time.Duration{
		"30s": 30 * time.Second, "30m": 30 * time.Minute, "1h": time.Hour,
		"2d": 48 * time.Hour, "1w": 7 * 24 * time.Hour,
	}
	for in, want := range tests {
		if got, err := parseWithin(in); err != nil || got != want {
			t.Errorf("parseWithin(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "1", "h", "0h", "1.5h", "1y", "-1h",
		"3661d"} {
		if _, err := parseWithin(in); err == nil {
			t.Errorf("parseWithin(%q): want an error", in)
		}
	}
}
