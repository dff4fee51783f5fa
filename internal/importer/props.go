package importer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/backstory-dev/backstory/internal/event"
)

// propFromJSON checks that raw holds a value of property type t and
// returns it as stored: a scalar byte for byte as written (6.75 stays
// 6.75, 4 stays 4), a list compacted. The bool is false for null.
func propFromJSON(t event.PropType, raw json.RawMessage) (json.RawMessage, bool, error) {
	if string(raw) == "null" {
		return nil, false, nil
	}
	if err := checkProp(t, raw); err != nil {
		return nil, false, err
	}
	if !t.Plural() {
		return raw, true, nil
	}

	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, false, errNotArray
	}
	return buf.Bytes(), true, nil
}

// propFromText converts a CSV cell to the JSON literal of property type
// t; the bool is false when there is none. An empty cell is absent,
// except that a quoted empty cell is "" for a str property. Lists are
// written in the cell as JSON arrays.
func propFromText(t event.PropType, text string, quoted bool) (json.RawMessage, bool, error) {
	if t == event.TypeStr {
		if text == "" && !quoted {
			return nil, false, nil
		}
		return quoteJSON(text), true, nil
	}

	text = strings.TrimSpace(text)
	if text == "" {
		return nil, false, nil
	}
	switch t {
	case event.TypeInt:
		if !isNumber(text) {
			return nil, false, errNotInt
		}
		n, err := parseInt(text)
		if err != nil {
			return nil, false, err
		}
		return strconv.AppendInt(nil, n, 10), true, nil
	case event.TypeReal:
		if !isNumber(text) {
			return nil, false, errNotNumber
		}
		if _, err := parseFloat(text); err != nil {
			return nil, false, err
		}
		return json.RawMessage(text), true, nil
	case event.TypeBool:
		b, err := parseFlag(text)
		if err != nil {
			return nil, false, errNotBool
		}
		return json.RawMessage(strconv.FormatBool(b == 1)), true, nil
	case event.TypeDate:
		if _, err := parseTime(text); err != nil {
			return nil, false, err
		}
		return quoteJSON(text), true, nil
	}

	if !json.Valid([]byte(text)) {
		return nil, false, errNotArray
	}
	return propFromJSON(t, json.RawMessage(text))
}

// checkProp reports whether raw, not null, is a value of type t.
func checkProp(t event.PropType, raw json.RawMessage) error {
	if !t.Plural() {
		return checkScalar(t, raw)
	}

	if len(raw) == 0 || raw[0] != '[' {
		return errNotArray
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return errNotArray
	}
	for i, e := range elems {
		if err := checkScalar(t.Elem(), e); err != nil {
			return fmt.Errorf("element %d: %w", i+1, err)
		}
	}
	return nil
}

// checkScalar reports whether raw is a value of the singular type t.
func checkScalar(t event.PropType, raw json.RawMessage) error {
	lit := string(raw)
	switch t {
	case event.TypeStr:
		_, err := jsonString(raw)
		return err
	case event.TypeInt:
		if !isNumber(lit) {
			return errNotInt
		}
		_, err := parseInt(lit)
		return err
	case event.TypeReal:
		if !isNumber(lit) {
			return errNotNumber
		}
		_, err := parseFloat(lit)
		return err
	case event.TypeBool:
		if lit != "true" && lit != "false" {
			return errNotBool
		}
		return nil
	case event.TypeDate:
		s, err := jsonString(raw)
		if err != nil {
			return errNotTime
		}
		_, err = parseTime(s)
		return err
	}
	return fmt.Errorf("unsupported property type %q", t)
}

// quoteJSON writes s as a JSON string, leaving <, > and & as they are.
func quoteJSON(s string) json.RawMessage {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // a string always encodes
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}
