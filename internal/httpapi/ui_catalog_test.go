package httpapi

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/segment"
)

// allOps is every operator of the segment language.
var allOps = []string{"eq", "neq", "contains", "not_contains", "starts_with",
	"ends_with", "matches", "in", "not_in", "gt", "gte", "lt", "lte", "between",
	"exists", "not_exists"}

// sampleCondition is a condition with a value of the type's kind.
func sampleCondition(f uiField, op string) map[string]any {
	one := map[string]any{uiText: "x", uiNumber: 1, uiTime: "2026-01-01",
		uiBool: true, uiFlag: true, uiSelector: "button.buy", uiTextList: "x",
		uiList: "x"}[f.Type]
	c := map[string]any{"field": f.Name, "op": op}
	switch op {
	case "exists", "not_exists":
	case "in", "not_in":
		c["values"] = []any{one}
	case "between":
		two := map[string]any{uiNumber: 2, uiTime: "2026-02-01"}[f.Type]
		if two == nil {
			two = one
		}
		c["values"] = []any{one, two}
	default:
		c["value"] = one
	}
	return c
}

// TestCatalogMatchesTheParser holds the builder's catalog to the segment
// language: every field it offers parses, with exactly the operators it
// offers, so the form never offers what the server refuses.
func TestCatalogMatchesTheParser(t *testing.T) {
	props := map[bool][]uiField{}
	for _, scope := range []event.PropScope{event.ScopeUser, event.ScopeEvent, event.ScopePage} {
		for _, typ := range event.PropTypes {
			pc := event.PropColumn{Scope: scope, Key: event.PropKey{Name: "p", Type: typ}}
			user := scope == event.ScopeUser
			props[user] = append(props[user], field(pc.Name(), "p", propFieldType(typ), ""))
		}
	}
	for _, user := range []bool{true, false} {
		fields := append(slices.Clone(uiEventFields), props[false]...)
		if user {
			fields = append(slices.Clone(uiUserFields), props[true]...)
		}
		for _, f := range fields {
			for _, op := range allOps {
				c := sampleCondition(f, op)
				crit := map[string]any{"did": map[string]any{"where": []any{c}}}
				if user {
					crit = map[string]any{"user": c}
				}
				raw, _ := json.Marshal(map[string]any{"criteria": []any{crit}})
				_, err := segment.Parse(raw)
				offered := slices.Contains(f.Ops, op)
				if offered && err != nil {
					t.Errorf("user %v: %s %s is offered but refused: %v", user, f.Name, op, err)
				}
				if !offered && err == nil {
					t.Errorf("user %v: %s %s is accepted but not offered", user, f.Name, op)
				}
			}
		}
	}
	for _, typ := range uiEventTypes {
		raw := fmt.Sprintf(`{"criteria": [{"did": {"type": %q}}]}`, typ)
		if _, err := segment.Parse([]byte(raw)); err != nil {
			t.Errorf("event type %s is offered but refused: %v", typ, err)
		}
	}
}

// TestSuggestColumnsAreStoredText checks that every picker reads a text
// column of the events table, the only kind TopValues reads.
func TestSuggestColumnsAreStoredText(t *testing.T) {
	for _, f := range append(slices.Clone(uiEventFields), uiUserFields...) {
		if f.Suggest == "" {
			continue
		}
		c, ok := event.LookupEventColumn(f.Suggest)
		if !ok || c.Source != event.FromEvent || c.Kind != event.KindString {
			t.Errorf("%s suggests from %s, which is not a stored text column", f.Name, f.Suggest)
		}
	}
}
