package export

import (
	"context"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/export/encode"
	"github.com/backstory-dev/backstory/internal/store"
)

// resolveFields turns the requested field names into output columns:
// catalog columns, typed custom properties, and the wildcards user_*,
// evt_* and page_*, which expand to every stored key of that scope. No
// fields means every column, then every property.
func resolveFields(ctx context.Context, ev store.Events, org event.OrgID, typ string, names []string) ([]store.OutputColumn, error) {
	individuals := typ == TypeIndividual
	if len(names) == 0 {
		names = defaultFields(individuals)
	}
	var out []store.OutputColumn
	seen := map[string]bool{}
	add := func(c store.OutputColumn) {
		if !seen[c.Name] {
			seen[c.Name] = true
			out = append(out, c)
		}
	}
	for i, name := range names {
		if scope, ok := wildcard(name); ok {
			if individuals && scope != event.ScopeUser {
				return nil, event.Invalid("fields[%d]: %q: people exports "+
					"carry only user_* properties", i, name)
			}
			keys, err := ev.PropKeys(ctx, org, scope)
			if err != nil {
				return nil, err
			}
			for _, k := range keys {
				add(propColumn(event.PropColumn{Scope: scope, Key: k}))
			}
			continue
		}
		c, err := lookupField(name, individuals)
		if err != nil {
			return nil, event.Invalid("fields[%d]: %v", i, err)
		}
		add(c)
	}
	return out, nil
}

func wildcard(name string) (event.PropScope, bool) {
	switch name {
	case "user_*":
		return event.ScopeUser, true
	case "evt_*":
		return event.ScopeEvent, true
	case "page_*":
		return event.ScopePage, true
	}
	return "", false
}

func defaultFields(individuals bool) []string {
	var names []string
	if individuals {
		for _, c := range event.IndividualColumns {
			names = append(names, c.Name)
		}
		return append(names, "user_*")
	}
	for _, c := range event.EventColumns {
		names = append(names, c.Name)
	}
	return append(names, "user_*", "evt_*", "page_*")
}

func propColumn(p event.PropColumn) store.OutputColumn {
	return store.OutputColumn{Name: p.Name(), Kind: p.Key.Type.Kind(), Prop: &p}
}

func lookupField(name string, individuals bool) (store.OutputColumn, error) {
	if p, ok := event.ParsePropColumn(name); ok {
		if individuals && p.Scope != event.ScopeUser {
			return store.OutputColumn{}, event.Invalid("%q: people exports "+
				"carry only user_* properties", name)
		}
		return propColumn(p), nil
	}
	var c event.Column
	var ok bool
	if individuals {
		c, ok = event.LookupIndividualColumn(name)
	} else {
		c, ok = event.LookupEventColumn(name)
	}
	if !ok {
		return store.OutputColumn{}, event.Invalid("unknown field %q; see "+
			"the export columns in docs/api.md, or user_<name>_<type> for a "+
			"property", name)
	}
	return store.OutputColumn{Name: c.Name, Kind: c.Kind, Column: &c}, nil
}

// encodeFields is the encoder's view of the columns.
func encodeFields(cols []store.OutputColumn) []encode.Field {
	out := make([]encode.Field, len(cols))
	for i, c := range cols {
		out[i] = encode.Field{Name: c.Name, Kind: c.Kind}
	}
	return out
}
