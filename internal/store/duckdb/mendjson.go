package duckdb

import (
	"bytes"
	"encoding/json"
	"maps"

	"github.com/backstory-dev/backstory/internal/event"
)

// DuckDB's JSON functions refuse a \u escape of a lone UTF-16 surrogate
// ("\ud83d" without its low half), which a browser's JSON.stringify
// writes for a string cut inside an emoji. Stored in a props column, one
// such value made every export reading that column fail. Values that may
// hold one are decoded and encoded again, which turns a lone surrogate
// into U+FFFD and a pair into its character.

// mendJSON returns raw, or raw re-encoded when it escapes a surrogate.
func mendJSON(raw json.RawMessage) json.RawMessage {
	if !escapesSurrogate(raw) {
		return raw
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return raw
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return raw
	}
	return bytes.TrimRight(out.Bytes(), "\n")
}

// escapesSurrogate reports whether raw holds \uD800 to \uDFFF, in any
// case. A literal backslash before "ud83d" counts too; re-encoding such
// a value changes nothing.
func escapesSurrogate(raw []byte) bool {
	for {
		i := bytes.Index(raw, []byte(`\u`))
		if i < 0 || i+3 >= len(raw) {
			return false
		}
		if d := raw[i+2]; d == 'd' || d == 'D' {
			switch raw[i+3] {
			case '8', '9', 'a', 'b', 'c', 'd', 'e', 'f', 'A', 'B', 'C', 'D', 'E', 'F':
				return true
			}
		}
		raw = raw[i+2:]
	}
}

// mendProps returns p, or a copy with its values mended.
func mendProps(p event.Props) event.Props {
	var out event.Props
	for k, v := range p {
		if !escapesSurrogate(v) {
			continue
		}
		if out == nil {
			out = maps.Clone(p)
		}
		out[k] = mendJSON(v)
	}
	if out == nil {
		return p
	}
	return out
}
