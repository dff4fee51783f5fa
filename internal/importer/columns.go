package importer

import (
	"encoding/json"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
)

// catalog maps every known event column, export and storage, by name.
var catalog = func() map[string]event.Column {
	m := make(map[string]event.Column)
	for _, c := range event.EventColumns {
		m[c.Name] = c
	}
	for _, c := range event.StorageColumns {
		m[c.Name] = c
	}
	return m
}()

// dest says where the values of a column go.
type dest int

const (
	toNowhere dest = iota // an unknown column, skipped
	toColumn              // a catalog column: Values or PersonFields
	toProps               // a property map chosen by scope
)

// target is a resolved column name.
type target struct {
	name string
	dest dest
	col  event.Column     // for toColumn
	prop event.PropColumn // for toProps
}

// resolve finds where a column of this name goes.
func resolve(name string) target {
	if c, ok := catalog[name]; ok {
		return target{name: name, dest: toColumn, col: c}
	}
	if p, ok := event.ParsePropColumn(name); ok {
		return target{name: name, dest: toProps, prop: p}
	}
	return target{name: name, dest: toNowhere}
}

// Bounds on what a columnSet remembers, so that a file with a new column
// name on every row cannot grow memory without end.
const (
	maxCached  = 4096
	maxUnknown = 1000
)

// columnSet resolves column names for one file, caching the answers and
// noting the unknown names.
type columnSet struct {
	cache   map[string]target
	unknown map[string]struct{}
}

func newColumnSet() *columnSet {
	return &columnSet{
		cache:   make(map[string]target),
		unknown: make(map[string]struct{}),
	}
}

func (s *columnSet) resolve(name string) target {
	if t, ok := s.cache[name]; ok {
		return t
	}

	t := resolve(name)
	if t.dest == toNowhere && len(s.unknown) < maxUnknown {
		s.unknown[name] = struct{}{}
	}
	if len(s.cache) < maxCached {
		s.cache[name] = t
	}
	return t
}

// setJSON stores a JSON value of column t on row. null removes it.
func setJSON(row *Row, t target, raw json.RawMessage) error {
	switch t.dest {
	case toColumn:
		v, ok, err := valueFromJSON(t.col.Kind, raw)
		if err != nil {
			return err
		}
		putValue(row, t, v, ok)
	case toProps:
		v, ok, err := propFromJSON(t.prop.Key.Type, raw)
		if err != nil {
			return err
		}
		putProp(row, t.prop, v, ok)
	}
	return nil
}

// setText stores a CSV cell of column t on row. An empty cell is absent,
// but a quoted empty cell is "" for string columns.
func setText(row *Row, t target, text string, quoted bool) error {
	switch t.dest {
	case toColumn:
		v, ok, err := valueFromText(t.col.Kind, text, quoted)
		if err != nil {
			return err
		}
		putValue(row, t, v, ok)
	case toProps:
		v, ok, err := propFromText(t.prop.Key.Type, text, quoted)
		if err != nil {
			return err
		}
		putProp(row, t.prop, v, ok)
	}
	return nil
}

// putValue sets, or with ok false clears, a catalog column on row. v
// has the Go type of the column's kind.
func putValue(row *Row, t target, v any, ok bool) {
	p := &row.Person
	switch t.name {
	case "IndvId":
		p.IndvID = nil
		if ok {
			id := event.IndvID(v.(int64))
			p.IndvID = &id
		}
	case "UserAppKey":
		p.UserAppKey = stringPtr(v, ok)
		return
	case "UserDisplayName":
		p.UserDisplayName = stringPtr(v, ok)
		return
	case "UserEmail":
		p.UserEmail = stringPtr(v, ok)
		return
	case "UserCreated":
		p.UserCreated = nil
		if ok {
			created := v.(time.Time)
			p.UserCreated = &created
		}
		return
	}

	// Any other column, including a person column the catalog may gain
	// later, lands in Values so that nothing is lost.
	if ok {
		row.Record.Values[t.name] = v
	} else {
		delete(row.Record.Values, t.name)
	}
}

func stringPtr(v any, ok bool) *string {
	if !ok {
		return nil
	}
	s := v.(string)
	return &s
}

// putProp sets, or with ok false clears, a custom property on row.
func putProp(row *Row, c event.PropColumn, v json.RawMessage, ok bool) {
	var props *event.Props
	switch c.Scope {
	case event.ScopeUser:
		props = &row.Person.Props
	case event.ScopeEvent:
		props = &row.Record.EventProps
	case event.ScopePage:
		props = &row.Record.PageProps
	}

	key := c.Key.String()
	if !ok {
		delete(*props, key)
		return
	}
	if *props == nil {
		*props = make(event.Props)
	}
	(*props)[key] = v
}
