package demo

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"maps"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
)

var testNow = time.Date(2026, 3, 14, 15, 9, 26, 535_897_932, time.UTC)

// output is everything one Generate call emitted.
type output struct {
	people  []event.Person
	devices [][]DeviceOf
	records []event.Record
	batches []int
	// peopleBefore is, per record, how many people had been emitted.
	peopleBefore []int
}

func generate(t testing.TB, opt Options) *output {
	t.Helper()
	out := &output{}
	err := Generate(opt,
		func(p event.Person, d []DeviceOf) error {
			out.people = append(out.people, p)
			out.devices = append(out.devices, d)
			return nil
		},
		func(recs []event.Record) error {
			out.batches = append(out.batches, len(recs))
			out.records = append(out.records, recs...)
			for range recs {
				out.peopleBefore = append(out.peopleBefore, len(out.people))
			}
			return nil
		})
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return out
}

// digest hashes the whole output in a stable order.
func (o *output) digest() string {
	h := sha256.New()
	var buf []byte
	for i, p := range o.people {
		buf = fmt.Appendf(buf[:0], "P %d %v %v %v %s %s %v\n", p.IndvID,
			deref(p.UID), deref(p.DisplayName), deref(p.Email), p.Created,
			p.Updated, o.devices[i])
		h.Write(buf)
		writeProps(h, p.Props)
	}
	for _, r := range o.records {
		buf = buf[:0]
		for _, k := range slices.Sorted(maps.Keys(r.Values)) {
			buf = append(buf, k...)
			buf = appendValue(append(buf, '='), r.Values[k])
		}
		h.Write(append(buf, '\n'))
		writeProps(h, r.EventProps)
		writeProps(h, r.PageProps)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// appendValue writes a value with its type, cheaply: the digest covers
// a few hundred thousand values, several times, under the race detector.
func appendValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case int64:
		return strconv.AppendInt(append(b, 'i'), v, 10)
	case float64:
		return strconv.AppendFloat(append(b, 'f'), v, 'g', -1, 64)
	case string:
		return strconv.AppendQuote(append(b, 's'), v)
	case time.Time:
		return v.AppendFormat(append(b, 't'), time.RFC3339Nano)
	}
	return fmt.Appendf(b, "%T:%v;", v, v)
}

func writeProps(h hash.Hash, p event.Props) {
	for _, k := range slices.Sorted(maps.Keys(p)) {
		h.Write([]byte(k))
		h.Write(p[k])
	}
}

func deref(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

func TestDeterministic(t *testing.T) {
	opt := Options{Seed: 7, People: 150, Now: testNow, Org: "o1"}
	a := generate(t, opt).digest()
	b := generate(t, opt).digest()
	if a != b {
		t.Fatalf("same options: digests differ: %s vs %s", a, b)
	}

	opt.Seed = 8
	if c := generate(t, opt).digest(); c == a {
		t.Fatalf("seeds 7 and 8 gave the same digest %s", a)
	}
	opt.Seed = 7
	opt.Now = testNow.Add(time.Hour)
	if c := generate(t, opt).digest(); c == a {
		t.Fatalf("a different Now gave the same digest %s", a)
	}
}

func TestOptions(t *testing.T) {
	noop := func(event.Person, []DeviceOf) error { return nil }
	noEvents := func([]event.Record) error { return nil }
	tests := []struct {
		name string
		opt  Options
	}{
		{"no now", Options{People: 1}},
		{"negative people", Options{People: -1, Now: testNow}},
		{"negative days", Options{Days: -1, Now: testNow}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := Generate(tc.opt, noop, noEvents); err == nil {
				t.Fatalf("Generate(%+v): got nil error, want one", tc.opt)
			}
		})
	}
}

func TestCallbackErrorsStop(t *testing.T) {
	boom := errors.New("boom")
	opt := Options{Seed: 1, People: 50, Now: testNow}

	calls := 0
	err := Generate(opt, func(event.Person, []DeviceOf) error {
		calls++
		return boom
	}, func([]event.Record) error { return nil })
	if !errors.Is(err, boom) || calls != 1 {
		t.Fatalf("person error: got %v after %d calls, want boom after 1", err, calls)
	}

	err = Generate(opt, func(event.Person, []DeviceOf) error { return nil },
		func([]event.Record) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("events error: got %v, want boom", err)
	}
}

func TestBatches(t *testing.T) {
	out := generate(t, Options{Seed: 3, People: 400, Now: testNow})
	if len(out.batches) < 2 {
		t.Fatalf("got %d batches, want several", len(out.batches))
	}
	for i, n := range out.batches {
		last := i == len(out.batches)-1
		if n == 0 || n > batchSize || !last && n != batchSize {
			t.Errorf("batch %d of %d has %d records, want %d", i, len(out.batches), n, batchSize)
		}
	}
}

func TestDefaultSize(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("generates the full default data set, slow under -short " +
			"or -race; run go test without them")
	}
	start := time.Now()
	out := generate(t, Options{Seed: 1, Now: testNow})
	took := time.Since(start)

	if len(out.people) != 3000 {
		t.Errorf("got %d people, want 3000", len(out.people))
	}
	if n := len(out.records); n < 100_000 || n > 300_000 {
		t.Errorf("got %d events, want 100k to 300k", n)
	}
	t.Logf("%d people, %d events in %v", len(out.people), len(out.records), took)
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		err := Generate(Options{Seed: 1, Now: testNow},
			func(event.Person, []DeviceOf) error { return nil },
			func([]event.Record) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
	}
}

func TestSelectorTok(t *testing.T) {
	tests := []struct {
		name  string
		nodes []string
		want  string
	}{
		{"tags", []string{"html", "body"}, "html body"},
		{"classes", []string{"div.fruit-card.big"}, "div .fruit%2Dcard .big"},
		{"attrs", []string{"a.nav[href=/market][rel]"}, "a .nav =href=%2Fmarket =rel"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := selectorTok(tc.nodes...); got != tc.want {
				t.Errorf("selectorTok(%q) = %q, want %q", tc.nodes, got, tc.want)
			}
		})
	}
}
