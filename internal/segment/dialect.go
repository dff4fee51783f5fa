package segment

import "fmt"

// Dialect spells the SQL that differs between stores. Every method takes
// SQL expressions and returns one; "?" placeholders in the arguments
// stay in place, so the caller binds values in text order. Property
// keys reach JSONText only after event.ValidPropName accepted them, so
// they hold no quote; a Dialect may rely on that.
type Dialect interface {
	// Name names the store, e.g. "duckdb".
	Name() string
	// Lower lower-cases text.
	Lower(x string) string
	// Contains, StartsWith and EndsWith test text for a part; they are
	// NULL when x is.
	Contains(x, part string) string
	StartsWith(x, prefix string) string
	EndsWith(x, suffix string) string
	// RegexpMatches holds when an RE2 pattern matches anywhere in x.
	RegexpMatches(x, pattern string) string
	// URLHost and URLPath extract the host and the path (without query
	// or fragment; "" when absent) from a URL; "" when x is no URL.
	URLHost(x string) string
	URLPath(x string) string
	// JSONText reads a top-level key of a JSON object held as text: a
	// string as itself, a number or boolean as its JSON text, an array or
	// object as JSON; NULL when absent or null.
	JSONText(doc, key string) string
	// JSONTextListHasAny holds when the key holds an array of strings
	// with one of the given elements; elems is a list of expressions.
	JSONTextListHasAny(doc, key string, elems []string) string
	// ToNumber, ToBool and ToTime convert text, NULL when it does not
	// parse; ToTime reads RFC 3339 with its offset.
	ToNumber(x string) string
	ToBool(x string) string
	ToTime(x string) string
	// EpochMicros is the microseconds of a timestamp since 1970.
	EpochMicros(x string) string
}

// TODO(clickhouse): a ClickHouse Dialect (positionUTF8/startsWith,
// match(), JSONExtractString, toFloat64OrNull, toUnixTimestamp64Micro)
// and a run of the segment tests against it when CI provides a server.

// DuckDB is the Dialect of the embedded DuckDB store.
var DuckDB Dialect = duckDialect{}

type duckDialect struct{}

func (duckDialect) Name() string          { return "duckdb" }
func (duckDialect) Lower(x string) string { return "lower(" + x + ")" }

func (duckDialect) Contains(x, part string) string {
	return "contains(" + x + ", " + part + ")"
}

func (duckDialect) StartsWith(x, prefix string) string {
	return "starts_with(" + x + ", " + prefix + ")"
}

func (duckDialect) EndsWith(x, suffix string) string {
	return "ends_with(" + x + ", " + suffix + ")"
}

func (duckDialect) RegexpMatches(x, pattern string) string {
	return "regexp_matches(" + x + ", " + pattern + ")"
}

// urlHostRE and urlPathRE take a URL apart as RFC 3986 does: scheme,
// authority (user info dropped, port dropped), then the path up to "?"
// or "#". A hash route such as "https://x/#/market" has path "/".
const (
	urlHostRE = `^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?(\[[^\]]*\]|[^/?#:]*)`
	urlPathRE = `^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*([^?#]*)`
)

func (duckDialect) URLHost(x string) string {
	return fmt.Sprintf("regexp_extract(%s, '%s', 1)", x, urlHostRE)
}

func (duckDialect) URLPath(x string) string {
	return fmt.Sprintf("regexp_extract(%s, '%s', 1)", x, urlPathRE)
}

func (duckDialect) JSONText(doc, key string) string {
	return fmt.Sprintf(`json_extract_string(%s, '$."%s"')`, doc, key)
}

func (duckDialect) JSONTextListHasAny(doc, key string, elems []string) string {
	list := ""
	for i, e := range elems {
		if i > 0 {
			list += ", "
		}
		list += e
	}
	return fmt.Sprintf(`list_has_any(json_extract_string(%s, '$."%s"[*]'), [%s])`,
		doc, key, list)
}

func (duckDialect) ToNumber(x string) string {
	return "TRY_CAST(" + x + " AS DOUBLE)"
}

func (duckDialect) ToBool(x string) string {
	return "TRY_CAST(" + x + " AS BOOLEAN)"
}

func (duckDialect) ToTime(x string) string {
	return "TRY_CAST(" + x + " AS TIMESTAMPTZ)"
}

func (duckDialect) EpochMicros(x string) string {
	return "epoch_us(" + x + ")"
}
