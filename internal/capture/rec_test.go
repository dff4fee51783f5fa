package capture

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store/duckdb"
)

const recOrg = event.OrgID("o-rec")

// openService returns a capture service on a fresh in-memory store, with
// a pinned clock and counting ids.
func openService(t testing.TB) (*Service, *sql.DB) {
	t.Helper()
	db, err := duckdb.Open(context.Background(), duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var id atomic.Int64
	s := &Service{People: db, Events: db,
		Now:   func() time.Time { return time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC) },
		NewID: func() int64 { return id.Add(1) }}
	return s, db.SQL()
}

// decodeBatch reads a body as the /rec/events handler does.
func decodeBatch(body []byte) (RecBatch, error) {
	var b RecBatch
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&b); err != nil {
		return b, err
	}
	return b, b.Validate()
}

// places is a fixed Locator.
type places map[netip.Addr]Place

func (p places) Locate(ip netip.Addr) (Place, bool) {
	pl, ok := p[ip]
	return pl, ok
}

func TestIPMode(t *testing.T) {
	for _, tc := range []struct {
		mode IPMode
		ip   string
		want string
	}{
		{IPFull, "203.0.113.77", "203.0.113.77"},
		{"", "203.0.113.77", "203.0.113.77"},
		{IPTruncate, "203.0.113.77", "203.0.113.0"},
		{IPTruncate, "::ffff:203.0.113.77", "203.0.113.0"},
		{IPTruncate, "2001:db8:aa:bb::1", "2001:db8:aa::"},
		{IPNone, "203.0.113.77", ""},
	} {
		if got := tc.mode.Keep(netip.MustParseAddr(tc.ip)); got != tc.want {
			t.Errorf("%q.Keep(%s) = %q, want %q", tc.mode, tc.ip, got, tc.want)
		}
	}
	for in, want := range map[string]IPMode{"": IPFull, "full": IPFull,
		"truncate": IPTruncate, "none": IPNone} {
		if got, err := ParseIPMode(in); got != want || err != nil {
			t.Errorf("ParseIPMode(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseIPMode("partial"); err == nil {
		t.Error("ParseIPMode(partial) succeeded, want an error")
	}
}

// TestRecordEnrichment checks what Record adds to a browser batch: the
// place and the IP as the mode allows, the bot flag, and one page for a
// navigation and the load that follows it.
func TestRecordEnrichment(t *testing.T) {
	munich := Place{Country: "Germany", Region: "Bavaria", City: "Munich", LatLong: "48.1374,11.5755"}
	for _, tc := range []struct {
		name      string
		mode      IPMode
		webdriver bool
		ua        string
		want      string
	}{
		{"full", IPFull, false, "", "203.0.113.77 Germany Bavaria Munich 48.1374,11.5755 0"},
		{"truncated", IPTruncate, false, "", "203.0.113.0 Germany Bavaria Munich 48.1374,11.5755 0"},
		{"no ip", IPNone, false, "", "<nil> Germany Bavaria Munich 48.1374,11.5755 0"},
		{"automated browser", IPFull, true, "", "203.0.113.77 Germany Bavaria Munich 48.1374,11.5755 1"},
		{"headless user agent", IPFull, false,
			"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36",
			"203.0.113.77 Germany Bavaria Munich 48.1374,11.5755 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, db := openService(t)
			ip := netip.MustParseAddr("203.0.113.77")
			s.Geo = places{ip: munich}
			s.IPMode = tc.mode
			ts := time.Date(2026, 12, 3, 11, 59, 0, 0, time.UTC)
			b := RecBatch{Org: string(recOrg), Device: "dev-1", IP: ip,
				Webdriver: tc.webdriver, UserAgent: tc.ua,
				Events: []RecEvent{
					{ID: "e1", Type: "navigate", TS: ts, URL: "https://shop.example/"},
					{ID: "e2", Type: "load", TS: ts.Add(time.Second), URL: "https://shop.example/"},
				}}
			if _, err := s.Record(context.Background(), recOrg, b); err != nil {
				t.Fatal(err)
			}
			rows, err := db.Query(`SELECT ip, country, region, city, lat_long,
				coalesce(is_bot, 0), page_id FROM events ORDER BY event_id`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			pages := map[int64]bool{}
			for rows.Next() {
				var ip, country, region, city, latLong sql.NullString
				var bot, page int64
				if err := rows.Scan(&ip, &country, &region, &city, &latLong, &bot, &page); err != nil {
					t.Fatal(err)
				}
				got := fmt.Sprint(nullable(ip), " ", country.String, " ", region.String, " ",
					city.String, " ", latLong.String, " ", bot)
				if got != tc.want {
					t.Errorf("stored %s, want %s", got, tc.want)
				}
				pages[page] = true
			}
			if len(pages) != 1 {
				t.Errorf("navigate and load landed on %d pages, want 1", len(pages))
			}
		})
	}
}

func nullable(s sql.NullString) any {
	if !s.Valid {
		return nil
	}
	return s.String
}

// FuzzRecBatch feeds the /rec/events parser arbitrary bodies: decoding and
// validation never panic, and a batch that passes validation is either
// stored or refused with an error meant for the client, never an
// internal one (which the endpoint would answer with a 503).
func FuzzRecBatch(f *testing.F) {
	for _, seed := range []string{
		`{"org":"o-rec","device":"d","sentAt":"2026-12-03T12:00:00Z","events":[{"id":"1","type":"navigate","ts":"2026-12-03T12:00:00Z","url":"https://x/"}]}`,
		`{"org":"o-rec","device":"d","events":[{"id":"1","type":"click","ts":"2026-12-03T12:00:00Z","text":"Buy","selector":"html body button .btn","rage":true,"dead":true,"timing":{"duration":5}}]}`,
		`{"org":"o-rec","device":"d","events":[{"id":"1","type":"identify","ts":"2026-12-03T12:00:00Z","uid":"u1","user":{"displayName":"A","email":"a@x","plan":"pro","n":{"m":[1,2]}}}]}`,
		`{"org":"o-rec","device":"d","events":[{"id":"1","type":"custom","name":"Buy","ts":"2026-12-03T12:00:00Z","props":{"total_real":"x","list":[1,"a"],"b":true}}]}`,
		`{"org":"o-rec","device":"d","events":[{"id":"1","type":"pagevar","ts":"2026-12-03T12:00:00Z","pageProps":{"a.b":1}}]}`,
		`{"org":"o-rec","device":"d","events":[{"id":"1","type":"request","ts":"0001-01-01T00:00:01Z","reqStatus":-1,"screen":[-5,9e18]}]}`,
		`{"org":"o-rec","device":"d","events":[{"id":"\u0000","type":"error","ts":"9999-12-31T23:59:59Z","text":"\ud800"}]}`,
		`{"org":1}`, `[]`, `null`, `{"events":[{}]}`, "",
	} {
		f.Add([]byte(seed))
	}
	s, _ := openService(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := decodeBatch(body)
		if err != nil {
			return
		}
		b.Org = string(recOrg)
		if _, err := s.Record(context.Background(), recOrg, b); err != nil &&
			event.ErrorCode(err) == event.CodeInternal {
			t.Errorf("a valid batch failed inside: %v\n%s", err, body)
		}
	})
}

// TestClickModifiersAreFlags checks that a browser click carries its
// three modifiers as 0 or 1, as the hosted export does, and that other
// events carry none.
func TestClickModifiersAreFlags(t *testing.T) {
	s, db := openService(t)
	ts := time.Date(2026, 12, 3, 11, 59, 0, 0, time.UTC)
	b := RecBatch{Org: string(recOrg), Device: "dev-1", Events: []RecEvent{
		{ID: "e1", Type: "navigate", TS: ts, URL: "https://shop.example/"},
		{ID: "e2", Type: "click", TS: ts.Add(time.Second)},
		{ID: "e3", Type: "click", TS: ts.Add(2 * time.Second), Dead: true},
	}}
	if _, err := s.Record(context.Background(), recOrg, b); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT event_id, mod_frustrated::VARCHAR, mod_dead::VARCHAR,
		mod_error::VARCHAR FROM events ORDER BY event_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var id string
		var rage, dead, errs sql.NullString
		if err := rows.Scan(&id, &rage, &dead, &errs); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprint(id, " ", nullable(rage), nullable(dead), nullable(errs)))
	}
	want := []string{"e1 <nil> <nil> <nil>", "e2 000", "e3 010"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("stored %q, want %q", got, want)
	}
}
