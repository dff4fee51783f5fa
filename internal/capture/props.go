// Package capture turns what clients send (browser batches, v2 users and
// events, imported files) into stored people, devices, sessions, pages and
// events: it validates, types custom properties, resolves identity, places
// events in sessions and pages, and deduplicates.
package capture

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
)

// Limits on custom properties, as the hosted API documents them.
const (
	MaxPropValueBytes = 8 << 10
	MaxUserProps      = 500
)

// TypeProps turns a client's properties into typed stored keys. Nested
// objects flatten into dotted names; a name may carry its type as a
// suffix ("plan_str"), schema may declare it ("plan": "str"), and
// otherwise the JSON value decides: strings are str, numbers real,
// booleans bool, arrays the plural of their elements' type. Null values
// are left out. Errors name the property, never its value.
func TypeProps(in map[string]json.RawMessage, schema map[string]string) (event.Props, error) {
	out := event.Props{}
	if err := typeInto(out, "", in, schema); err != nil {
		return nil, err
	}
	return out, nil
}

func typeInto(out event.Props, prefix string, in map[string]json.RawMessage, schema map[string]string) error {
	names := make([]string, 0, len(in))
	for k := range in {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		name := prefix + k
		if strings.Contains(k, ".") || !event.ValidPropName(name) {
			return event.Invalid("property %q: names must match "+
				"[A-Za-z][A-Za-z0-9_]*; nest with objects, not dots in a name", name)
		}
		raw := bytes.TrimSpace(in[k])
		if len(raw) > MaxPropValueBytes {
			return event.Errorf(event.CodeTooLarge,
				"property %q: value over %d bytes", name, MaxPropValueBytes)
		}
		if len(raw) == 0 || string(raw) == "null" {
			continue
		}
		if raw[0] == '{' {
			if _, declared := suffixType(name); !declared {
				var sub map[string]json.RawMessage
				if err := json.Unmarshal(raw, &sub); err != nil {
					return event.Invalid("property %q: %v", name, err)
				}
				if err := typeInto(out, name+".", sub, schema); err != nil {
					return err
				}
				continue
			}
		}
		key, val, err := typeOne(name, raw, schema)
		if err != nil {
			return err
		}
		out[key.String()] = val
	}
	return nil
}

// suffixType reads a type declared by a name's suffix, as in "plan_str".
func suffixType(name string) (event.PropKey, bool) {
	k, ok := event.ParsePropKey(name)
	return k, ok
}

func typeOne(name string, raw json.RawMessage, schema map[string]string) (event.PropKey, json.RawMessage, error) {
	key, declared := suffixType(name)
	if !declared {
		key = event.PropKey{Name: name}
		if s, ok := schema[name]; ok {
			t, ok := event.ParsePropType(s)
			if !ok {
				return key, nil, event.Invalid("schema for %q: unknown type %q; "+
					"use str, int, real, bool, date or their plurals", name, s)
			}
			key.Type = t
		} else {
			key.Type = inferType(raw)
		}
	}
	val, err := coerce(key.Type, raw)
	if err != nil {
		return key, nil, event.Invalid("property %q: %v", name, err)
	}
	return key, val, nil
}

func inferType(raw json.RawMessage) event.PropType {
	switch raw[0] {
	case '"':
		return event.TypeStr
	case 't', 'f':
		return event.TypeBool
	case '[':
		var elems []json.RawMessage
		if json.Unmarshal(raw, &elems) == nil && len(elems) > 0 {
			first := bytes.TrimSpace(elems[0])
			if len(first) > 0 && first[0] != '[' && first[0] != '{' {
				return inferType(first) + "s"
			}
		}
		// Lists of objects or of lists have no typed column: keep the JSON.
		return event.TypeStr
	case '{':
		return event.TypeStr
	}
	return event.TypeReal
}

// coerce checks raw against t and returns the value to store.
func coerce(t event.PropType, raw json.RawMessage) (json.RawMessage, error) {
	if t.Plural() {
		var elems []json.RawMessage
		if err := json.Unmarshal(raw, &elems); err != nil {
			return nil, fmt.Errorf("want a list of %s", t.Elem())
		}
		var b bytes.Buffer
		b.WriteByte('[')
		for i, e := range elems {
			v, err := coerce(t.Elem(), bytes.TrimSpace(e))
			if err != nil {
				return nil, fmt.Errorf("element %d: %v", i, err)
			}
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(v)
		}
		b.WriteByte(']')
		return b.Bytes(), nil
	}
	switch t {
	case event.TypeStr:
		if raw[0] == '"' {
			return raw, nil
		}
		if raw[0] == '[' || raw[0] == '{' {
			// Structured data kept as its compact JSON text.
			var b bytes.Buffer
			if err := json.Compact(&b, raw); err != nil {
				return nil, err
			}
			s, _ := json.Marshal(b.String())
			return s, nil
		}
		s, _ := json.Marshal(string(raw))
		return s, nil
	case event.TypeInt, event.TypeReal:
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			// Numbers sent as strings are accepted when they parse.
			var s string
			if json.Unmarshal(raw, &s) != nil {
				return nil, fmt.Errorf("want a number")
			}
			n = json.Number(strings.TrimSpace(s))
		}
		if t == event.TypeInt {
			if _, err := n.Int64(); err != nil {
				return nil, fmt.Errorf("want an integer")
			}
		} else if _, err := n.Float64(); err != nil {
			return nil, fmt.Errorf("want a number")
		}
		return json.RawMessage(n.String()), nil
	case event.TypeBool:
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return nil, fmt.Errorf("want true or false")
		}
		return raw, nil
	case event.TypeDate:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("want an RFC 3339 date string")
		}
		d, err := event.ParseTime(s)
		if err != nil {
			return nil, fmt.Errorf("want an RFC 3339 date string")
		}
		out, _ := json.Marshal(d.UTC().Format(time.RFC3339Nano))
		return out, nil
	}
	return nil, fmt.Errorf("unknown type %q", t)
}
