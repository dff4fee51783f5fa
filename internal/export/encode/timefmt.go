package encode

import "time"

// timeLayout is the fallback layout for years outside 0000..9999.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// appendTime appends t in loc as RFC 3339 with exactly three fractional
// digits. The fraction is cut, never rounded, so 23:59:59.9996 stays on
// its day. A zero offset renders as "Z"; an offset with seconds, which
// only old local mean times have, loses them as in time.Format.
func appendTime(b []byte, t time.Time, loc *time.Location) []byte {
	t = t.In(loc)
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, timeLayout)
	}
	hour, min, sec := t.Clock()
	ms := t.Nanosecond() / int(time.Millisecond)

	b = append(b,
		byte('0'+year/1000), byte('0'+year/100%10),
		byte('0'+year/10%10), byte('0'+year%10), '-',
		byte('0'+int(month)/10), byte('0'+int(month)%10), '-',
		byte('0'+day/10), byte('0'+day%10), 'T',
		byte('0'+hour/10), byte('0'+hour%10), ':',
		byte('0'+min/10), byte('0'+min%10), ':',
		byte('0'+sec/10), byte('0'+sec%10), '.',
		byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
	return appendOffset(b, t)
}

// appendOffset appends the zone offset of t as "Z" or "±hh:mm".
func appendOffset(b []byte, t time.Time) []byte {
	_, off := t.Zone()
	if off == 0 {
		return append(b, 'Z')
	}

	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	hh, mm := off/3600, off/60%60
	return append(b, sign, byte('0'+hh/10), byte('0'+hh%10), ':',
		byte('0'+mm/10), byte('0'+mm%10))
}
