// Package geoip places IP addresses with a MaxMind-format database file:
// GeoLite2-City or GeoIP2-City from MaxMind, or a compatible file such as
// DB-IP's "IP to City Lite". Country-only files work too; they leave the
// region, city and coordinates empty.
package geoip

import (
	"fmt"
	"net/netip"

	"github.com/oschwald/maxminddb-golang/v2"

	"github.com/backstory-dev/backstory/internal/capture"
)

// DB is an open database file. It is safe for concurrent use.
type DB struct {
	r *maxminddb.Reader
}

// Open opens a database file. Lookups read it through a memory map.
func Open(path string) (*DB, error) {
	r, err := maxminddb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open geoip database %s: %w", path, err)
	}
	return &DB{r: r}, nil
}

// Type is the database's own name for its kind, e.g. "GeoLite2-City".
func (db *DB) Type() string { return db.r.Metadata.DatabaseType }

// Close releases the file.
func (db *DB) Close() error { return db.r.Close() }

// record is the part of a City or Country record we read.
type record struct {
	Country struct {
		Names map[string]string `maxminddb:"names"`
	} `maxminddb:"country"`
	Subdivisions []struct {
		Names map[string]string `maxminddb:"names"`
	} `maxminddb:"subdivisions"`
	City struct {
		Names map[string]string `maxminddb:"names"`
	} `maxminddb:"city"`
	Location struct {
		Latitude  *float64 `maxminddb:"latitude"`
		Longitude *float64 `maxminddb:"longitude"`
	} `maxminddb:"location"`
}

// Locate returns where ip is, in English names.
func (db *DB) Locate(ip netip.Addr) (capture.Place, bool) {
	res := db.r.Lookup(ip.Unmap())
	if !res.Found() {
		return capture.Place{}, false
	}
	var rec record
	if err := res.Decode(&rec); err != nil {
		return capture.Place{}, false
	}
	p := capture.Place{
		Country: rec.Country.Names["en"],
		City:    rec.City.Names["en"],
	}
	if len(rec.Subdivisions) > 0 {
		p.Region = rec.Subdivisions[0].Names["en"]
	}
	if lat, long := rec.Location.Latitude, rec.Location.Longitude; lat != nil && long != nil {
		p.LatLong = capture.FormatLatLong(*lat, *long)
	}
	return p, true
}
