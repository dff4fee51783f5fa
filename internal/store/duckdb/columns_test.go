package duckdb

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
)

// TestBoxAtIsAny checks that values boxed in place behave as ordinary
// interface values: equal, switched on, printed and reflected the same,
// and still intact (the values keeping their memory) once their columns
// are dropped and collections run.
func TestBoxAtIsAny(t *testing.T) {
	var cs columns
	at := time.Date(2024, 5, 1, 12, 30, 0, 1000, time.UTC)
	cs.cols = []column{{strs: []string{"héllo", ""}, ints: []int64{1 << 40, -7},
		flts: []float64{2.5, -0.0}, raws: [][]byte{[]byte(`{"a":1}`)},
		tms: []time.Time{at}}}
	c := &cs.cols[0]
	got := []any{boxAt(&c.strs[0], stringType), boxAt(&c.strs[1], stringType),
		boxAt(&c.ints[0], int64Type), boxAt(&c.ints[1], int64Type),
		boxAt(&c.flts[0], float64Type), boxAt(&c.flts[1], float64Type),
		boxAt(&c.tms[0], timeType)}
	want := []any{"héllo", "", int64(1 << 40), int64(-7), 2.5, -0.0, at}
	raw := boxAt(&c.raws[0], bytesType)

	cs, c = columns{}, nil
	runtime.GC()
	runtime.GC()
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("value %d = %#v, want %#v", i, got[i], want[i])
		}
		if reflect.TypeOf(got[i]) != reflect.TypeOf(want[i]) {
			t.Errorf("value %d has type %T, want %T", i, got[i], want[i])
		}
		if fmt.Sprint(got[i]) != fmt.Sprint(want[i]) {
			t.Errorf("value %d prints %v, want %v", i, got[i], want[i])
		}
	}
	if b, ok := raw.([]byte); !ok || string(b) != `{"a":1}` {
		t.Errorf("raw JSON = %#v, want the bytes {\"a\":1}", raw)
	}
	if tm := got[6].(time.Time); !tm.Equal(at) || tm.Location() != time.UTC {
		t.Errorf("time = %v in %v, want %v in UTC", tm, tm.Location(), at)
	}
	switch v := got[0].(type) {
	case string:
		if v+"!" != "héllo!" {
			t.Errorf("switched string = %q", v)
		}
	default:
		t.Errorf("type switch took %T for a string", v)
	}
}

// TestResetKeepsMemory checks that a window's buffers, once reset, take
// the next window's values without allocating: an export holds two
// windows' memory, not a new window's worth for every window.
func TestResetKeepsMemory(t *testing.T) {
	words := make([]string, 5000)
	for i := range words {
		words[i] = strings.Repeat("w", 1+i%60)
	}
	var a arena
	fill := func() {
		for _, w := range words {
			if got := a.copy(w); got != w {
				t.Fatalf("arena copy = %q, want %q", got, w)
			}
		}
	}
	fill()
	if allocs := testing.AllocsPerRun(5, func() { a.reset(); fill() }); allocs != 0 {
		t.Errorf("a reset arena allocated %v times for the same strings, want 0", allocs)
	}

	cs := columns{cols: []column{{strs: make([]string, 0, 4), ints: make([]int64, 0, 4)}}}
	strs, ints := cs.cols[0].strs[:1], cs.cols[0].ints[:1]
	cs.reset([]event.Kind{event.KindString})
	c := cs.cols[0]
	if len(c.strs) != 0 || &c.strs[:1][0] != &strs[0] || &c.ints[:1][0] != &ints[0] {
		t.Errorf("reset columns got new value slices (len %d), want the old ones emptied", len(c.strs))
	}
}
