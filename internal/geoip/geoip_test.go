package geoip

import (
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"

	"github.com/backstory-dev/backstory/internal/capture"
)

// writeCityDB writes a tiny City-format database: 203.0.113.0/24 is in
// Munich with coordinates, 2001:db8::/32 in France without a city.
func writeCityDB(t *testing.T) string {
	t.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "Test-City",
		IncludeReservedNetworks: true, RecordSize: 24})
	if err != nil {
		t.Fatal(err)
	}
	names := func(en string) mmdbtype.Map {
		return mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String(en)}}
	}
	nets := map[string]mmdbtype.Map{
		"203.0.113.0/24": {
			"country":      names("Germany"),
			"subdivisions": mmdbtype.Slice{names("Bavaria")},
			"city":         names("Munich"),
			"location": mmdbtype.Map{"latitude": mmdbtype.Float64(48.13743),
				"longitude": mmdbtype.Float64(11.57549)},
		},
		"2001:db8::/32": {"country": names("France")},
	}
	for cidr, rec := range nets {
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			t.Fatal(err)
		}
		if err := tree.Insert(n, rec); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "city.mmdb")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tree.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLocate(t *testing.T) {
	db, err := Open(writeCityDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Type() != "Test-City" {
		t.Errorf("Type() = %q, want Test-City", db.Type())
	}
	for _, tc := range []struct {
		name   string
		ip     string
		want   capture.Place
		wantOK bool
	}{
		{"city with coordinates", "203.0.113.9",
			capture.Place{Country: "Germany", Region: "Bavaria", City: "Munich",
				LatLong: "48.1374,11.5755"}, true},
		{"IPv4 mapped in IPv6", "::ffff:203.0.113.200",
			capture.Place{Country: "Germany", Region: "Bavaria", City: "Munich",
				LatLong: "48.1374,11.5755"}, true},
		{"country only", "2001:db8::1", capture.Place{Country: "France"}, true},
		{"not in the file", "198.51.100.1", capture.Place{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := db.Locate(netip.MustParseAddr(tc.ip))
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("Locate(%s) = %+v, %v; want %+v, %v", tc.ip, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "not.mmdb")
	os.WriteFile(notDB, []byte("this is not a MaxMind database"), 0o600)
	for _, path := range []string{filepath.Join(dir, "missing.mmdb"), notDB} {
		if _, err := Open(path); err == nil {
			t.Errorf("Open(%s) succeeded, want an error", filepath.Base(path))
		}
	}
}
