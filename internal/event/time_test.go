package event

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	want := time.Date(2024, 5, 1, 10, 0, 0, 123000000, time.UTC)
	for _, s := range []string{"2024-05-01T10:00:00.123Z", "2024-05-01t10:00:00.123z",
		"2024-05-01T12:00:00.123+02:00"} {
		got, err := ParseTime(s)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "2024-05-01", "2024-05-01 10:00:00Z", "today"} {
		if _, err := ParseTime(s); err == nil {
			t.Errorf("ParseTime(%q) took it; want an error", s)
		}
	}
}
