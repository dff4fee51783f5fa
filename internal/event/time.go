package event

import (
	"strings"
	"time"
)

// ParseTime parses an RFC 3339 time with any offset and fraction. The
// RFC lets "T" and "Z" be written in lower case, which Go's layout does
// not accept, so they are raised first.
func ParseTime(s string) (time.Time, error) {
	if strings.ContainsAny(s, "tz") {
		s = strings.Map(func(r rune) rune {
			switch r {
			case 't':
				return 'T'
			case 'z':
				return 'Z'
			}
			return r
		}, s)
	}
	return time.Parse(time.RFC3339Nano, s)
}
