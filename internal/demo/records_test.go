package demo

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
)

var required = []string{
	"IndvId", "UserId", "SessionId", "PageId", "EventId", "EventStart",
	"EventType", "SessionStart", "PageStart", "PageUrl", "PageDuration",
	"PageActiveDuration", "EventPageOffset", "EventSessionOffset",
	"DeviceKey", "EventReceivedAt",
}

var idColumns = []string{"IndvId", "UserId", "SessionId", "PageId"}

func TestRecordValues(t *testing.T) {
	out := generate(t, Options{Seed: 11, People: 300, Now: testNow})
	seen := map[string]bool{}
	for i, r := range out.records {
		for name, v := range r.Values {
			checkValue(t, i, name, v)
		}
		for _, name := range required {
			if r.Values[name] == nil {
				t.Fatalf("record %d: %s missing", i, name)
			}
		}
		for _, name := range idColumns {
			id := r.Values[name].(int64)
			if id <= 0 || id > event.MaxSafeID {
				t.Fatalf("record %d: %s = %d, want in (0, 2^53)", i, name, id)
			}
		}
		id := r.Values["EventId"].(string)
		if seen[id] {
			t.Fatalf("record %d: EventId %q repeats", i, id)
		}
		seen[id] = true
		checkProps(t, i, r.EventProps)
		checkProps(t, i, r.PageProps)
	}
}

// eventColumns is the catalog's stored event columns by export name.
var eventColumns = func() map[string]event.Column {
	m := map[string]event.Column{}
	for _, c := range event.StoredEventColumns() {
		m[c.Name] = c
	}
	return m
}()

// checkValue checks one value against the catalog: a stored event
// column, of the Go type its kind asks for.
func checkValue(t *testing.T, i int, name string, v any) {
	t.Helper()
	c, ok := eventColumns[name]
	if !ok {
		t.Fatalf("record %d: %s is not an event column", i, name)
	}
	switch c.Kind {
	case event.KindInt:
		_, ok = v.(int64)
	case event.KindFlag:
		var n int64
		n, ok = v.(int64)
		ok = ok && (n == 0 || n == 1)
	case event.KindFloat:
		_, ok = v.(float64)
	case event.KindString:
		_, ok = v.(string)
	case event.KindTime:
		var tm time.Time
		tm, ok = v.(time.Time)
		ok = ok && tm.Location() == time.UTC
	default:
		ok = false
	}
	if !ok {
		t.Fatalf("record %d: %s = %#v (%T) does not fit kind %d", i, name, v, v, c.Kind)
	}
}

// checkProps checks that each property is raw JSON of its key's type.
func checkProps(t *testing.T, i int, props event.Props) {
	t.Helper()
	for key, raw := range props {
		k, ok := event.ParsePropKey(key)
		if !ok {
			t.Fatalf("record %d: property key %q is not typed", i, key)
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("record %d: property %s = %s: %v", i, key, raw, err)
		}
		switch k.Type {
		case event.TypeStr:
			_, ok = v.(string)
		case event.TypeInt:
			f, isNum := v.(float64)
			ok = isNum && f == float64(int64(f))
		case event.TypeReal:
			_, ok = v.(float64)
		default:
			ok = false
		}
		if !ok {
			t.Fatalf("record %d: property %s = %s does not fit its type", i, key, raw)
		}
	}
}

func TestPeople(t *testing.T) {
	out := generate(t, Options{Seed: 5, People: 1000, Now: testNow, Org: "shop"})
	identified, twoDevices := 0, 0
	users := map[int64]event.IndvID{}
	for i, p := range out.people {
		if p.OrgID != "shop" || p.IndvID <= 0 || p.IndvID > event.MaxSafeID {
			t.Fatalf("person %d: org %q, id %d", i, p.OrgID, p.IndvID)
		}
		if (p.UID == nil) != (p.Email == nil) {
			t.Fatalf("person %d: uid and email must both be set or both nil", i)
		}
		if p.Props == nil || p.Created.After(p.Updated) {
			t.Fatalf("person %d: props %v, created %v after updated %v", i, p.Props, p.Created, p.Updated)
		}
		if p.UID != nil {
			identified++
			checkProps(t, i, p.Props)
			if p.Props["plan_str"] == nil || p.Props["ltv_real"] == nil {
				t.Fatalf("person %d: props %v lack plan_str or ltv_real", i, p.Props)
			}
		}
		if len(out.devices[i]) == 2 {
			twoDevices++
		}
		for _, d := range out.devices[i] {
			if _, dup := users[d.UserID]; dup || d.DeviceKey == "" {
				t.Fatalf("person %d: device %+v repeats or has no key", i, d)
			}
			users[d.UserID] = p.IndvID
		}
	}
	if identified < 250 || identified > 350 {
		t.Errorf("got %d of 1000 people identified, want about 300", identified)
	}
	if twoDevices == 0 {
		t.Errorf("got no person with two devices")
	}

	// Every event's device belongs to its person, emitted before it.
	position := map[event.IndvID]int{}
	for i, p := range out.people {
		position[p.IndvID] = i
	}
	for i, r := range out.records {
		user, indv := r.Values["UserId"].(int64), r.Values["IndvId"].(int64)
		if owner, ok := users[user]; !ok || int64(owner) != indv {
			t.Fatalf("record %d: UserId %d is not a device of IndvId %d", i, user, indv)
		}
		if position[event.IndvID(indv)] >= out.peopleBefore[i] {
			t.Fatalf("record %d came before its person", i)
		}
	}
}
