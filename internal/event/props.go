package event

import (
	"regexp"
	"strings"
)

// PropScope is where a custom property belongs, and the prefix of its
// export column.
type PropScope string

// The property scopes.
const (
	ScopeUser  PropScope = "user"
	ScopeEvent PropScope = "evt"
	ScopePage  PropScope = "page"
)

// PropType is the declared type of a custom property, the suffix of its
// stored key and export column.
type PropType string

// The property types. The plural forms hold lists.
const (
	TypeStr   PropType = "str"
	TypeInt   PropType = "int"
	TypeReal  PropType = "real"
	TypeBool  PropType = "bool"
	TypeDate  PropType = "date"
	TypeStrs  PropType = "strs"
	TypeInts  PropType = "ints"
	TypeReals PropType = "reals"
	TypeBools PropType = "bools"
	TypeDates PropType = "dates"
)

// PropTypes lists every property type, singular forms first.
var PropTypes = []PropType{
	TypeStr, TypeInt, TypeReal, TypeBool, TypeDate,
	TypeStrs, TypeInts, TypeReals, TypeBools, TypeDates,
}

// Plural reports whether t holds a list.
func (t PropType) Plural() bool { return strings.HasSuffix(string(t), "s") }

// Elem is the element type of a list type, or t itself.
func (t PropType) Elem() PropType {
	if t.Plural() {
		return PropType(strings.TrimSuffix(string(t), "s"))
	}
	return t
}

// Kind is the column kind a property of this type exports as. Lists are
// written as JSON arrays.
func (t PropType) Kind() Kind {
	switch t {
	case TypeInt:
		return KindInt
	case TypeReal:
		return KindFloat
	case TypeBool:
		return KindBool
	case TypeDate:
		return KindTime
	case TypeStr:
		return KindString
	}
	return KindJSON
}

// ParsePropType parses a type name as the v2 schema and column suffixes
// spell it.
func ParsePropType(s string) (PropType, bool) {
	for _, t := range PropTypes {
		if string(t) == s {
			return t, true
		}
	}
	return "", false
}

var propNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$`)

// ValidPropName reports whether name follows the naming rule: segments of
// [A-Za-z][A-Za-z0-9_]* joined by dots, which nest.
func ValidPropName(name string) bool {
	return len(name) <= 256 && propNameRE.MatchString(name)
}

// PropKey is a typed property key as stored: the name and its type,
// e.g. "order.total" of type real is stored as "order.total_real".
type PropKey struct {
	Name string
	Type PropType
}

// String is the stored key, name and type joined by an underscore.
func (k PropKey) String() string { return k.Name + "_" + string(k.Type) }

// ParsePropKey splits a stored key such as "order.total_real" into its
// name and type.
func ParsePropKey(s string) (PropKey, bool) {
	i := strings.LastIndexByte(s, '_')
	if i <= 0 {
		return PropKey{}, false
	}
	t, ok := ParsePropType(s[i+1:])
	if !ok || !ValidPropName(s[:i]) {
		return PropKey{}, false
	}
	return PropKey{Name: s[:i], Type: t}, true
}

// PropColumn is an export column that reads a custom property.
type PropColumn struct {
	Scope PropScope
	Key   PropKey
}

// Name is the export column name, e.g. "evt_order.total_real".
func (c PropColumn) Name() string { return string(c.Scope) + "_" + c.Key.String() }

// ParsePropColumn parses an export column name such as "user_plan_str".
func ParsePropColumn(name string) (PropColumn, bool) {
	for _, s := range []PropScope{ScopeUser, ScopeEvent, ScopePage} {
		rest, ok := strings.CutPrefix(name, string(s)+"_")
		if !ok {
			continue
		}
		k, ok := ParsePropKey(rest)
		if !ok {
			return PropColumn{}, false
		}
		return PropColumn{Scope: s, Key: k}, true
	}
	return PropColumn{}, false
}
