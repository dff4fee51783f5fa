package encode

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
)

// BUG-14: exactly three fractional digits, truncated toward the past.
func TestTimeMilliseconds(t *testing.T) {
	fields := []Field{
		{Name: "event_id", Kind: event.KindString},
		{Name: "event_time", Kind: event.KindTime},
	}
	rows := [][]any{
		{"e4", mustTime(t, "2024-02-02T09:15:04.999Z")},
		{"e1", mustTime(t, "2024-02-02T09:15:05.000Z")},
		{"e6", mustTime(t, "2024-02-02T09:15:05Z")},
		{"e2", mustTime(t, "2024-02-02T09:15:05.0079Z")},
		{"e3", mustTime(t, "2024-02-02T09:15:05.120Z")},
		{"e5", mustTime(t, "2024-02-02T23:59:59.9996Z")},
	}

	got := encodeAll(t, FormatCSV, fields, rows, Options{})
	want := "event_id,event_time\n" +
		"e4,2024-02-02T09:15:04.999Z\n" +
		"e1,2024-02-02T09:15:05.000Z\n" +
		"e6,2024-02-02T09:15:05.000Z\n" +
		"e2,2024-02-02T09:15:05.007Z\n" +
		"e3,2024-02-02T09:15:05.120Z\n" +
		"e5,2024-02-02T23:59:59.999Z\n"
	if string(got) != want {
		t.Errorf("csv: got\n%s\nwant\n%s", got, want)
	}

	got = encodeAll(t, FormatNDJSON, fields, rows[5:], Options{})
	want = `{"event_id":"e5","event_time":"2024-02-02T23:59:59.999Z"}` + "\n"
	if string(got) != want {
		t.Errorf("ndjson: got %s, want %s", got, want)
	}
}

// BUG-11, BUG-12, BUG-14: rendering in a zone uses that zone's offset at
// each instant, across DST changes.
func TestTimeZones(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	cases := []struct {
		name string
		loc  *time.Location
		in   string
		want string
	}{
		{"utc", nil, "2024-01-15T04:30:00Z", "2024-01-15T04:30:00.000Z"},
		{"ny winter", ny, "2024-01-15T05:30:00Z",
			"2024-01-15T00:30:00.000-05:00"},
		{"ny day end", ny, "2024-01-16T04:59:59.999Z",
			"2024-01-15T23:59:59.999-05:00"},
		{"ny before gap", ny, "2024-03-10T06:45:00Z",
			"2024-03-10T01:45:00.000-05:00"},
		{"ny after gap", ny, "2024-03-10T07:30:00Z",
			"2024-03-10T03:30:00.000-04:00"},
		{"ny summer end", ny, "2024-03-11T03:59:59.9999Z",
			"2024-03-10T23:59:59.999-04:00"},
		{"ny overlap first", ny, "2024-11-03T05:30:00Z",
			"2024-11-03T01:30:00.000-04:00"},
		{"ny overlap second", ny, "2024-11-03T06:30:00Z",
			"2024-11-03T01:30:00.000-05:00"},
		{"kolkata", mustZone(t, "Asia/Kolkata"), "2024-01-01T00:00:00.5Z",
			"2024-01-01T05:30:00.500+05:30"},
		{"chatham", mustZone(t, "Pacific/Chatham"), "2024-07-01T00:00:00Z",
			"2024-07-01T12:45:00.000+12:45"},
		{"london winter is Z", mustZone(t, "Europe/London"),
			"2024-01-01T00:00:00Z", "2024-01-01T00:00:00.000Z"},
		{"fixed zone", time.FixedZone("", -(3*3600 + 30*60)),
			"2024-01-01T00:00:00Z", "2023-12-31T20:30:00.000-03:30"},
		{"before 1970 truncates down", nil, "1969-12-31T23:59:59.9999Z",
			"1969-12-31T23:59:59.999Z"},
		{"year 1", nil, "0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			loc := tc.loc
			if loc == nil {
				loc = time.UTC
			}
			got := string(appendTime(nil, mustTime(t, tc.in), loc))
			if got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}

	t.Run("writer option", func(t *testing.T) {
		fields := []Field{{Name: "t", Kind: event.KindTime}}
		rows := [][]any{{mustTime(t, "2024-03-10T07:30:00Z")}}
		got := encodeAll(t, FormatCSV, fields, rows, Options{Location: ny})
		if want := "t\n2024-03-10T03:30:00.000-04:00\n"; string(got) != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}

// appendTime agrees with time.Format on random instants, zones and
// sub-millisecond parts.
func TestTimeMatchesFormat(t *testing.T) {
	zones := []*time.Location{
		time.UTC, mustZone(t, "America/New_York"), mustZone(t, "Asia/Tokyo"),
		mustZone(t, "Australia/Lord_Howe"), mustZone(t, "America/St_Johns"),
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		sec := rng.Int64N(253402300799+62135596800) - 62135596800
		ts := time.Unix(sec, rng.Int64N(1e9))
		loc := zones[rng.IntN(len(zones))]

		got := string(appendTime(nil, ts, loc))
		want := ts.In(loc).Format(timeLayout)
		if got != want {
			t.Fatalf("appendTime(%v, %s) = %s, want %s", ts, loc, got, want)
		}
	}
}

// BUG-08: floats read back exactly and match encoding/json's text.
func TestFloatMatchesEncodingJSON(t *testing.T) {
	fixed := []struct {
		in   float64
		want string
	}{
		{2, "2"}, {0.1, "0.1"}, {2.5, "2.5"}, {19.5, "19.5"}, {-5, "-5"},
		{1e20, "100000000000000000000"}, {1e21, "1e+21"}, {1e-6, "0.000001"},
		{1e-7, "1e-7"}, {123456789.125, "123456789.125"},
		{math.MaxFloat64, "1.7976931348623157e+308"},
		{5e-324, "5e-324"},
	}
	for _, tc := range fixed {
		if got := string(appendFloat(nil, tc.in)); got != tc.want {
			t.Errorf("appendFloat(%v) = %s, want %s", tc.in, got, tc.want)
		}
	}

	rng := rand.New(rand.NewPCG(3, 4))
	for range 100000 {
		f := math.Float64frombits(rng.Uint64())
		if !finite(f) {
			continue
		}
		want, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		got := appendFloat(nil, f)
		if string(got) != string(want) {
			t.Fatalf("appendFloat(%v) = %s, want %s", f, got, want)
		}
		if back, _ := strconv.ParseFloat(string(got), 64); back != f {
			t.Fatalf("appendFloat(%v) = %s reads back as %v", f, got, back)
		}
	}
}
