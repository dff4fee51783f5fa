package duckdb

import (
	"fmt"
	"reflect"
	"runtime"
	"testing"

	"github.com/backstory-dev/backstory/internal/event"
)

// TestBoxAtIsAny checks that values boxed in place behave as ordinary
// interface values: equal, switched on, printed and reflected the same,
// and still intact after their column is reset and collections run.
func TestBoxAtIsAny(t *testing.T) {
	var cs columns
	cs.cols = []column{{strs: []string{"héllo", ""}, ints: []int64{1 << 40, -7},
		flts: []float64{2.5, -0.0}}}
	c := &cs.cols[0]
	got := []any{boxAt(&c.strs[0], stringType), boxAt(&c.strs[1], stringType),
		boxAt(&c.ints[0], int64Type), boxAt(&c.ints[1], int64Type),
		boxAt(&c.flts[0], float64Type), boxAt(&c.flts[1], float64Type)}
	want := []any{"héllo", "", int64(1 << 40), int64(-7), 2.5, -0.0}

	cs.reset([]event.Kind{event.KindString})
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
	switch v := got[0].(type) {
	case string:
		if v+"!" != "héllo!" {
			t.Errorf("switched string = %q", v)
		}
	default:
		t.Errorf("type switch took %T for a string", v)
	}
}

// TestResetGivesFreshValueSlices checks that a reset column does not
// write over values already handed on.
func TestResetGivesFreshValueSlices(t *testing.T) {
	c := column{strs: make([]string, 0, 4)}
	c.strs = append(c.strs, "first")
	v := boxAt(&c.strs[0], stringType)
	cs := columns{cols: []column{c}}
	cs.reset([]event.Kind{event.KindString})
	cs.cols[0].strs = append(cs.cols[0].strs, "second")
	if v != "first" {
		t.Errorf("handed-on value became %v after a reset", v)
	}
	if cap(cs.cols[0].strs) != 4 {
		t.Errorf("fresh slice capacity = %d, want the last one's, 4", cap(cs.cols[0].strs))
	}
}
