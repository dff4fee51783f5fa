package client_test

import (
	"testing"
	"time"

	"github.com/backstory-dev/backstory/internal/client"
)

func newYork(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatalf("load zone: %v", err)
	}
	return loc
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestParseTime(t *testing.T) {
	t.Parallel()
	ny := newYork(t)
	tests := []struct {
		name, in string
		want     time.Time
	}{
		{"instant keeps its offset", "2024-03-10T02:30:00+02:00",
			utc("2024-03-10T00:30:00Z")},
		{"date is local midnight", "2024-01-15", utc("2024-01-15T05:00:00Z")},
		{"wall time in the zone", "2024-01-15T00:00:00",
			utc("2024-01-15T05:00:00Z")},
		{"skipped time takes the offset before the gap",
			"2024-03-10T02:30:00", utc("2024-03-10T07:30:00Z")},
		{"repeated time is its first occurrence",
			"2024-11-03T01:30", utc("2024-11-03T05:30:00Z")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := client.ParseTime(tc.in, ny)
			if err != nil {
				t.Fatalf("ParseTime(%q): %v", tc.in, err)
			}
			if !got.Equal(tc.want) {
				t.Errorf("ParseTime(%q) = %v, want %v", tc.in,
					got.UTC(), tc.want)
			}
		})
	}

	if _, err := client.ParseTime("May 1st", ny); err == nil {
		t.Error(`ParseTime("May 1st") succeeded, want an error`)
	}
}

func TestSplitDaysAcrossDST(t *testing.T) {
	t.Parallel()
	ny := newYork(t)
	tests := []struct {
		name      string
		from, to  string
		wantDates []string
		wantHours []float64
	}{
		{"spring forward", "2024-03-09", "2024-03-12",
			[]string{"2024-03-09", "2024-03-10", "2024-03-11"},
			[]float64{24, 23, 24}},
		{"fall back", "2024-11-02", "2024-11-05",
			[]string{"2024-11-02", "2024-11-03", "2024-11-04"},
			[]float64{24, 25, 24}},
		{"partial first and last day", "2024-03-09T18:00:00",
			"2024-03-11T06:00:00",
			[]string{"2024-03-09", "2024-03-10", "2024-03-11"},
			[]float64{6, 23, 6}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start, _ := client.ParseTime(tc.from, ny)
			end, _ := client.ParseTime(tc.to, ny)
			days := client.SplitDays(start, end, ny)

			if len(days) != len(tc.wantDates) {
				t.Fatalf("got %d days, want %d: %+v",
					len(days), len(tc.wantDates), days)
			}
			for i, d := range days {
				if d.Date != tc.wantDates[i] {
					t.Errorf("day %d = %s, want %s", i, d.Date, tc.wantDates[i])
				}
				if h := d.End.Sub(d.Start).Hours(); h != tc.wantHours[i] {
					t.Errorf("%s lasts %vh, want %vh", d.Date, h, tc.wantHours[i])
				}
			}

			// No gaps, no overlaps: each day starts where the last ended,
			// and together they span exactly the range.
			if !days[0].Start.Equal(start) || !days[len(days)-1].End.Equal(end) {
				t.Errorf("days span [%v, %v), want [%v, %v)", days[0].Start,
					days[len(days)-1].End, start, end)
			}
			for i := 1; i < len(days); i++ {
				if !days[i].Start.Equal(days[i-1].End) {
					t.Errorf("%s starts at %v, previous ended at %v",
						days[i].Date, days[i].Start, days[i-1].End)
				}
			}
		})
	}
}

func TestSplitDaysStartsAtLocalMidnight(t *testing.T) {
	t.Parallel()
	ny := newYork(t)
	days := client.SplitDays(utc("2024-03-10T05:00:00Z"),
		utc("2024-03-12T04:00:00Z"), ny)

	want := []string{"2024-03-10T05:00:00Z", "2024-03-11T04:00:00Z"}
	for i, d := range days {
		if got := client.FormatTime(d.Start); got != want[i] {
			t.Errorf("day %d starts %s, want %s", i, got, want[i])
		}
	}
}

func TestSplitDaysEmptyRange(t *testing.T) {
	t.Parallel()
	at := utc("2024-05-01T00:00:00Z")
	if days := client.SplitDays(at, at, time.UTC); len(days) != 0 {
		t.Errorf("empty range gave %d days, want 0", len(days))
	}
}
