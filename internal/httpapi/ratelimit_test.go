package httpapi

import (
	"testing"
	"time"
)

func TestKeyLimiter(t *testing.T) {
	l := &KeyLimiter{Rate: 1, Burst: 2}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 2 {
		if d := l.retryAfter("k", now); d != 0 {
			t.Fatalf("call %d within the burst waited %v", i, d)
		}
	}
	if d := l.retryAfter("k", now); d <= 0 {
		t.Fatal("the third call at once was allowed")
	}
	if d := l.retryAfter("other", now); d != 0 {
		t.Errorf("another key waited %v", d)
	}
	if d := l.retryAfter("k", now.Add(1100*time.Millisecond)); d != 0 {
		t.Errorf("a call a second later waited %v", d)
	}
	var none *KeyLimiter
	if none.retryAfter("k", now) != 0 {
		t.Error("a nil limiter limited")
	}
}
