package capture

import (
	"fmt"
	"net/netip"
	"strconv"
)

// Place is where an IP address is, as far as a GeoIP database knows.
// Empty fields are unknown.
type Place struct {
	Country string // English name, e.g. "Germany"
	Region  string // first subdivision's English name, e.g. "Bavaria"
	City    string
	// LatLong is "lat,long" with 4 decimals, or "" when unknown.
	LatLong string
}

// Locator finds where an IP address is. Implementations must be safe for
// concurrent use; ok is false when the address is not in the database.
type Locator interface {
	Locate(ip netip.Addr) (p Place, ok bool)
}

// FormatLatLong writes a coordinate pair as the PageLatLong column does.
func FormatLatLong(lat, long float64) string {
	return strconv.FormatFloat(lat, 'f', 4, 64) + "," +
		strconv.FormatFloat(long, 'f', 4, 64)
}

// IPMode says how much of a visitor's IP address is stored. Geolocation
// always looks at the whole address first; the mode decides only what is
// kept in PageIp.
type IPMode string

// The IP modes. The zero value stores the full address.
const (
	IPFull     IPMode = "full"
	IPTruncate IPMode = "truncate" // IPv4 to its /24, IPv6 to its /48
	IPNone     IPMode = "none"     // not stored at all
)

// ParseIPMode reads an --ip-mode value.
func ParseIPMode(s string) (IPMode, error) {
	switch m := IPMode(s); m {
	case IPFull, IPTruncate, IPNone:
		return m, nil
	case "":
		return IPFull, nil
	}
	return "", fmt.Errorf("%q: want full, truncate or none", s)
}

// Keep returns the part of ip to store under mode m, or "" for none.
func (m IPMode) Keep(ip netip.Addr) string {
	if !ip.IsValid() || m == IPNone {
		return ""
	}
	ip = ip.Unmap()
	if m != IPTruncate {
		return ip.String()
	}
	bits := 48
	if ip.Is4() {
		bits = 24
	}
	p, err := ip.Prefix(bits)
	if err != nil {
		return ""
	}
	return p.Addr().String()
}

// enrichIP sets the IP and place columns of a browser event.
func (s *Service) enrichIP(v map[string]any, ip netip.Addr, p Place) {
	set := func(name, val string) {
		if val != "" {
			v[name] = val
		}
	}
	set("PageIp", s.IPMode.Keep(ip))
	set("PageCountry", p.Country)
	set("PageRegion", p.Region)
	set("PageCity", p.City)
	set("PageLatLong", p.LatLong)
}

// locate looks up the batch's address once, when a database is set.
func (s *Service) locate(ip netip.Addr) Place {
	if s.Geo == nil || !ip.IsValid() {
		return Place{}
	}
	p, _ := s.Geo.Locate(ip.Unmap())
	return p
}
