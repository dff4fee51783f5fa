package segment

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

// maxDefinitionSize bounds the JSON text Parse reads.
const maxDefinitionSize = 1 << 20

// snakeTwins maps the snake_case spellings a definition may use to the
// lowerCamel keys, as the API accepts both.
var snakeTwins = map[string]string{
	"time_range":     "timeRange",
	"did_not":        "didNot",
	"same_session":   "sameSession",
	"case_sensitive": "caseSensitive",
}

// Parse reads and validates a JSON segment definition. Unknown keys are
// errors, so that a typo cannot silently widen a segment; a key whose
// value is null counts as absent. Errors are invalid_argument and name
// the path of the offending part, like
// "criteria[2].did.where[0].op: unknown operator ...".
func Parse(data []byte) (*Definition, error) {
	if len(data) > maxDefinitionSize {
		return nil, invalidAt("", "definition larger than %d bytes",
			maxDefinitionSize)
	}
	if !json.Valid(data) {
		return nil, invalidAt("", "definition is not valid JSON: %s",
			syntaxReason(data))
	}
	var d Definition
	if err := readDefinition(data, &d); err != nil {
		return nil, err
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return &d, nil
}

// ParseTimeRange reads a time range object, such as an export's
// segmentTimeRange, with the checks Parse applies to timeRange.
func ParseTimeRange(data []byte) (TimeRange, error) {
	var r TimeRange
	if !json.Valid(data) {
		return r, invalidAt("", "time range is not valid JSON: %s",
			syntaxReason(data))
	}
	if err := readTimeRange("", data, &r, true); err != nil {
		return r, err
	}
	return r, r.check("timeRange")
}

// syntaxReason describes a JSON syntax error by its offset.
func syntaxReason(data []byte) string {
	var v any
	err := json.Unmarshal(data, &v)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s at offset %d", se.Error(), se.Offset)
	}
	return "unexpected end"
}

// object is a decoded JSON object: its keys, twins renamed, each with
// its raw value; keys holding null are left out.
type object map[string]json.RawMessage

// readObject decodes raw as an object with only the allowed keys.
func readObject(path string, raw json.RawMessage, allowed ...string) (object, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, invalidAt(path, "want an object")
	}
	obj := object{}
	seen := map[string]string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, invalidAt(path, "want an object")
		}
		key := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil, invalidAt(join(path, key), "unreadable value")
		}
		name := key
		if camel, ok := snakeTwins[key]; ok {
			name = camel
		}
		if !slices.Contains(allowed, name) {
			return nil, invalidAt(join(path, key), "unknown key; allowed: %s",
				list(allowed))
		}
		if prev, ok := seen[name]; ok {
			return nil, invalidAt(join(path, key), "given twice (also as %q)",
				prev)
		}
		seen[name] = key
		if string(val) != "null" {
			obj[name] = val
		}
	}
	return obj, nil
}

// decodeAs decodes raw into dst, naming want in the error.
func decodeAs(path string, raw json.RawMessage, dst any, want string) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		return invalidAt(path, "want %s", want)
	}
	if _, err := dec.Token(); err != io.EOF {
		return invalidAt(path, "want %s", want)
	}
	return nil
}

func (o object) str(path, key string, dst *string) error {
	if raw, ok := o[key]; ok {
		return decodeAs(join(path, key), raw, dst, "a string")
	}
	return nil
}

func (o object) boolean(path, key string, dst *bool) error {
	if raw, ok := o[key]; ok {
		return decodeAs(join(path, key), raw, dst, "true or false")
	}
	return nil
}

// array decodes the key's value as a JSON array of raw elements.
func (o object) array(path, key string) ([]json.RawMessage, bool, error) {
	raw, ok := o[key]
	if !ok {
		return nil, false, nil
	}
	var elems []json.RawMessage
	err := decodeAs(join(path, key), raw, &elems, "an array")
	if err == nil && elems == nil {
		elems = []json.RawMessage{}
	}
	return elems, true, err
}

func readDefinition(data []byte, d *Definition) error {
	o, err := readObject("", data, "name", "description", "timeRange",
		"timezone", "match", "criteria")
	if err != nil {
		return err
	}
	if err := o.str("", "name", &d.Name); err != nil {
		return err
	}
	if err := o.str("", "description", &d.Description); err != nil {
		return err
	}
	if err := o.str("", "timezone", &d.Timezone); err != nil {
		return err
	}
	var match string
	if err := o.str("", "match", &match); err != nil {
		return err
	}
	d.Match = Match(match)
	if raw, ok := o["timeRange"]; ok {
		if err := readTimeRange("timeRange", raw, &d.TimeRange, false); err != nil {
			return err
		}
	}
	d.Criteria, err = readCriteria("", o, 0)
	return err
}

// readTimeRange reads a time range. Two empty bounds mean all time when
// emptyIsAll is set (an export's segmentTimeRange); in a definition a
// range must say what it is.
func readTimeRange(path string, raw json.RawMessage, r *TimeRange, emptyIsAll bool) error {
	o, err := readObject(path, raw, "last", "since", "start", "end", "all")
	if err != nil {
		return err
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"last", &r.Last}, {"since", &r.Since}, {"start", &r.Start},
		{"end", &r.End}} {
		if err := o.str(path, f.key, f.dst); err != nil {
			return err
		}
	}
	if err := o.boolean(path, "all", &r.All); err != nil {
		return err
	}
	if _, ok := o["all"]; ok && !r.All {
		return invalidAt(join(path, "all"), "only true is meaningful; "+
			"leave it out instead")
	}
	if r.IsAll() && !r.All && !emptyIsAll {
		return invalidAt(path, "set one of last, since, start/end, all")
	}
	return nil
}

// readCriteria reads the optional criteria array of o, the object at
// path.
func readCriteria(path string, o object, depth int) ([]Criterion, error) {
	elems, ok, err := o.array(path, "criteria")
	if err != nil || !ok {
		return nil, err
	}
	if depth > maxDepth {
		return nil, invalidAt(join(path, "criteria"), "groups nest at most "+
			"%d deep", maxDepth)
	}
	if len(elems) > maxCriteria {
		return nil, invalidAt(join(path, "criteria"), "at most %d criteria",
			maxCriteria)
	}
	out := make([]Criterion, len(elems))
	for i, raw := range elems {
		p := index(join(path, "criteria"), i)
		if err := readCriterion(p, raw, &out[i], depth); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// readCriterion reads one criterion. The path of a top-level criterion
// is "criteria[i]"; of a nested one "criteria[i].criteria[j]".
func readCriterion(path string, raw json.RawMessage, c *Criterion, depth int) error {
	o, err := readObject(path, raw, "user", "did", "count", "didNot",
		"sequence", "within", "sameSession", "match", "criteria")
	if err != nil {
		return err
	}
	if raw, ok := o["user"]; ok {
		c.User = &Condition{}
		if err := readCondition(join(path, "user"), raw, c.User); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		key string
		dst **EventFilter
	}{{"did", &c.Did}, {"didNot", &c.DidNot}} {
		if raw, ok := o[f.key]; ok {
			*f.dst = &EventFilter{}
			if err := readFilter(join(path, f.key), raw, *f.dst); err != nil {
				return err
			}
		}
	}
	if raw, ok := o["count"]; ok {
		c.Count = &Count{}
		if err := readCount(join(path, "count"), raw, c.Count); err != nil {
			return err
		}
	}
	if err := readSequence(path, o, c); err != nil {
		return err
	}
	var match string
	if err := o.str(path, "match", &match); err != nil {
		return err
	}
	c.Match = Match(match)
	c.Criteria, err = readCriteria(path, o, depth+1)
	if err == nil && c.Criteria == nil && o["criteria"] != nil {
		c.Criteria = []Criterion{}
	}
	return err
}

func readSequence(path string, o object, c *Criterion) error {
	steps, ok, err := o.array(path, "sequence")
	if err != nil {
		return err
	}
	if ok {
		if len(steps) > maxSteps {
			return invalidAt(join(path, "sequence"), "want 2 to %d steps",
				maxSteps)
		}
		c.Sequence = make([]EventFilter, len(steps))
		for i, raw := range steps {
			p := index(join(path, "sequence"), i)
			if err := readFilter(p, raw, &c.Sequence[i]); err != nil {
				return err
			}
		}
	}
	if err := o.str(path, "within", &c.Within); err != nil {
		return err
	}
	return o.boolean(path, "sameSession", &c.SameSession)
}

func readFilter(path string, raw json.RawMessage, f *EventFilter) error {
	o, err := readObject(path, raw, "type", "where")
	if err != nil {
		return err
	}
	if err := o.str(path, "type", &f.Type); err != nil {
		return err
	}
	conds, _, err := o.array(path, "where")
	if err != nil {
		return err
	}
	if len(conds) > maxConditions {
		return invalidAt(join(path, "where"), "at most %d conditions",
			maxConditions)
	}
	for i, raw := range conds {
		var c Condition
		p := index(join(path, "where"), i)
		if err := readCondition(p, raw, &c); err != nil {
			return err
		}
		f.Where = append(f.Where, c)
	}
	return nil
}

func readCondition(path string, raw json.RawMessage, c *Condition) error {
	o, err := readObject(path, raw, "field", "op", "value", "values",
		"caseSensitive")
	if err != nil {
		return err
	}
	if err := o.str(path, "field", &c.Field); err != nil {
		return err
	}
	if err := o.str(path, "op", &c.Op); err != nil {
		return err
	}
	if raw, ok := o["value"]; ok {
		if c.Value, err = readScalar(join(path, "value"), raw); err != nil {
			return err
		}
	}
	elems, ok, err := o.array(path, "values")
	if err != nil {
		return err
	}
	if ok {
		if len(elems) > maxValues {
			return invalidAt(join(path, "values"), "want 1 to %d values",
				maxValues)
		}
		c.Values = make([]any, len(elems))
		for i, raw := range elems {
			p := index(join(path, "values"), i)
			if c.Values[i], err = readScalar(p, raw); err != nil {
				return err
			}
		}
	}
	if raw, ok := o["caseSensitive"]; ok {
		c.CaseSensitive = new(bool)
		return decodeAs(join(path, "caseSensitive"), raw, c.CaseSensitive,
			"true or false")
	}
	return nil
}

// readScalar reads a string, number (as json.Number) or boolean.
func readScalar(path string, raw json.RawMessage) (any, error) {
	var v any
	if err := decodeAs(path, raw, &v, "a string, number or boolean"); err != nil {
		return nil, err
	}
	switch v.(type) {
	case string, json.Number, bool:
		return v, nil
	}
	return nil, invalidAt(path, "want a string, number or boolean")
}

func readCount(path string, raw json.RawMessage, c *Count) error {
	o, err := readObject(path, raw, "op", "value", "values")
	if err != nil {
		return err
	}
	if err := o.str(path, "op", &c.Op); err != nil {
		return err
	}
	if raw, ok := o["value"]; ok {
		c.Value = new(int64)
		if err := decodeAs(join(path, "value"), raw, c.Value,
			"a whole number"); err != nil {
			return err
		}
	}
	if raw, ok := o["values"]; ok {
		if err := decodeAs(join(path, "values"), raw, &c.Values,
			"an array of whole numbers"); err != nil {
			return err
		}
	}
	return nil
}
