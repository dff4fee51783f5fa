package demo

import (
	"encoding/json"
	"testing"
	"time"
)

// span is the first and last event of one session.
type span struct {
	indv        int64
	first, last time.Time
}

func TestSessions(t *testing.T) {
	const days = 30
	out := generate(t, Options{Seed: 9, People: 500, Days: days, Now: testNow})
	from := testNow.Add(-days * 24 * time.Hour)

	sessions := map[int64]*span{}
	var order []int64
	for i, r := range out.records {
		v := r.Values
		start := v["EventStart"].(time.Time)
		if start.Before(from) || !start.Before(testNow) {
			t.Fatalf("record %d: EventStart %v outside [%v, %v)", i, start, from, testNow)
		}
		if got := v["EventReceivedAt"].(time.Time); got.Before(start) || got.After(testNow) {
			t.Fatalf("record %d: received %v, started %v", i, got, start)
		}
		checkOffsets(t, i, v)

		id := v["SessionId"].(int64)
		s, ok := sessions[id]
		if !ok {
			s = &span{indv: v["IndvId"].(int64), first: start, last: start}
			sessions[id] = s
			order = append(order, id)
			continue
		}
		if gap := start.Sub(s.last); gap < 0 || gap >= idle {
			t.Fatalf("record %d: %v after the previous event of its session", i, gap)
		}
		s.last = start
	}

	// A person's sessions come in order, more than 30 minutes apart.
	lastOf := map[int64]*span{}
	for _, id := range order {
		s := sessions[id]
		if prev := lastOf[s.indv]; prev != nil {
			if gap := s.first.Sub(prev.last); gap <= idle {
				t.Fatalf("session %d starts %v after the previous one ended", id, gap)
			}
		}
		lastOf[s.indv] = s
	}
}

// checkOffsets checks that the offsets agree with the start times and
// that the page's durations hold together.
func checkOffsets(t *testing.T, i int, v map[string]any) {
	t.Helper()
	start := v["EventStart"].(time.Time)
	session := v["SessionStart"].(time.Time)
	page := v["PageStart"].(time.Time)
	if got := start.Sub(session).Milliseconds(); got != v["EventSessionOffset"] {
		t.Fatalf("record %d: session offset %v, want %d", i, v["EventSessionOffset"], got)
	}
	if got := start.Sub(page).Milliseconds(); got != v["EventPageOffset"] {
		t.Fatalf("record %d: page offset %v, want %d", i, v["EventPageOffset"], got)
	}
	dur, active := v["PageDuration"].(int64), v["PageActiveDuration"].(int64)
	if dur <= 0 || active <= 0 || active > dur || v["EventPageOffset"].(int64) > dur {
		t.Fatalf("record %d: page duration %d, active %d, offset %v",
			i, dur, active, v["EventPageOffset"])
	}
}

func TestFunnel(t *testing.T) {
	out := generate(t, Options{Seed: 2, People: 1000, Now: testNow})
	counts := map[string]int{}
	for _, r := range out.records {
		v := r.Values
		typ := v["EventType"].(string)
		counts[typ]++
		if name, ok := v["EventCustomName"].(string); ok {
			counts[typ+":"+name]++
		}
		if typ == "click" {
			for _, mod := range []string{"EventModFrustrated", "EventModDead", "EventModError"} {
				if v[mod] == int64(1) {
					counts[mod+":"+v["PageDevice"].(string)]++
				}
			}
		}
		if typ == "request" && v["ReqStatus"].(int64) < 400 {
			t.Errorf("request event with status %v, want a failure", v["ReqStatus"])
		}
	}
	t.Logf("counts: %v", counts)

	added := counts["custom:Product Added"]
	started := counts["custom:Checkout Started"]
	ordered := counts["custom:Order Completed"]
	if !(ordered > 0 && ordered < started && started < added) {
		t.Errorf("funnel: %d added, %d started checkout, %d ordered; want each step smaller",
			added, started, ordered)
	}
	for _, want := range []string{
		"navigate", "load", "click", "change", "seen", "error", "request",
		"uservar", "custom:Checkout Error", "custom_error:Checkout Error",
		"EventModFrustrated:Mobile", "EventModDead:Desktop", "EventModError:Desktop",
	} {
		if counts[want] == 0 {
			t.Errorf("no %s events", want)
		}
	}
	if counts["EventModFrustrated:Mobile"] <= counts["EventModFrustrated:Desktop"] {
		t.Errorf("rage clicks: %d on phones, %d on desktops; want more on phones",
			counts["EventModFrustrated:Mobile"], counts["EventModFrustrated:Desktop"])
	}
}

func TestSegments(t *testing.T) {
	segs := Segments()
	if len(segs) != 2 {
		t.Fatalf("got %d segments, want 2", len(segs))
	}
	for _, s := range segs {
		var def struct {
			Name      string
			TimeRange map[string]any
			Match     string
			Criteria  []map[string]json.RawMessage
		}
		if err := json.Unmarshal(s.Definition, &def); err != nil {
			t.Fatalf("segment %q: %v", s.Name, err)
		}
		if def.Name != s.Name || def.Match != "all" || len(def.Criteria) == 0 {
			t.Errorf("segment %q: got name %q, match %q, %d criteria",
				s.Name, def.Name, def.Match, len(def.Criteria))
		}
	}
}
