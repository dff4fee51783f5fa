package segment

import (
	"slices"
	"strings"

	"github.com/backstory-dev/backstory/internal/event"
)

// valueType is what a field holds, which decides its operators and the
// JSON type of its values.
type valueType int

const (
	typeText     valueType = iota + 1
	typeNumber             // compared as float64
	typeTime               // an instant; values are bounds (ParseBound)
	typeBool               // a boolean property
	typeFlag               // a 0/1 event modifier; null counts as 0
	typeSelector           // an element path, matched by a CSS selector
	typeTextList           // a list-of-strings property
	typeList               // any other list property
)

func (t valueType) String() string {
	return map[valueType]string{
		typeText: "text", typeNumber: "number", typeTime: "time",
		typeBool: "boolean", typeFlag: "flag", typeSelector: "selector",
		typeTextList: "text list", typeList: "list",
	}[t]
}

// source says where a field's value comes from.
type source int

const (
	srcEvent      source = iota + 1 // an events column
	srcHost                         // the host of page_url
	srcPath                         // the path of page_url
	srcEventProp                    // a key of evt_props
	srcPageProp                     // a key of page_props
	srcPerson                       // a people column
	srcPersonProp                   // a key of people.props
	srcFirstSeen                    // min(event_start) over all time
	srcLastSeen                     // max(event_start) over all time
	srcActivity                     // an events column, any event in the window
)

// field is a resolved field of a condition.
type field struct {
	name string
	typ  valueType
	src  source
	col  string // the storage column, for column sources
	key  string // the stored property key, for property sources
}

// The operators, as definitions spell them.
const (
	opEq          = "eq"
	opNeq         = "neq"
	opContains    = "contains"
	opNotContains = "not_contains"
	opStartsWith  = "starts_with"
	opEndsWith    = "ends_with"
	opMatches     = "matches"
	opIn          = "in"
	opNotIn       = "not_in"
	opGt          = "gt"
	opGte         = "gte"
	opLt          = "lt"
	opLte         = "lte"
	opBetween     = "between"
	opExists      = "exists"
	opNotExists   = "not_exists"
)

// allOps lists every operator in the order errors show them.
var allOps = []string{
	opEq, opNeq, opContains, opNotContains, opStartsWith, opEndsWith,
	opMatches, opIn, opNotIn, opGt, opGte, opLt, opLte, opBetween,
	opExists, opNotExists,
}

// negated maps each negative operator to the positive one it negates.
// A negative operator holds exactly when its positive one does not,
// which includes a missing value.
var negated = map[string]string{
	opNeq: opEq, opNotContains: opContains, opNotIn: opIn,
	opNotExists: opExists,
}

// opsFor lists the operators a value type takes.
func opsFor(t valueType) []string {
	switch t {
	case typeText:
		return []string{opEq, opNeq, opContains, opNotContains,
			opStartsWith, opEndsWith, opMatches, opIn, opNotIn, opExists,
			opNotExists}
	case typeNumber:
		return []string{opEq, opNeq, opGt, opGte, opLt, opLte, opBetween,
			opIn, opNotIn, opExists, opNotExists}
	case typeTime:
		return []string{opGt, opGte, opLt, opLte, opBetween, opExists,
			opNotExists}
	case typeBool:
		return []string{opEq, opNeq, opExists, opNotExists}
	case typeFlag:
		return []string{opEq, opNeq}
	case typeSelector:
		return []string{opMatches}
	case typeTextList:
		return []string{opEq, opNeq, opIn, opNotIn, opExists, opNotExists}
	}
	return []string{opExists, opNotExists}
}

// eventFields are the fields of event where conditions, besides the
// custom evt_* and page_* properties.
var eventFields = map[string]field{
	"url":            {typ: typeText, src: srcEvent, col: "page_url"},
	"host":           {typ: typeText, src: srcHost, col: "page_url"},
	"path":           {typ: typeText, src: srcPath, col: "page_url"},
	"referrer":       {typ: typeText, src: srcEvent, col: "referrer_url"},
	"page_name":      {typ: typeText, src: srcEvent, col: "page_name"},
	"target_text":    {typ: typeText, src: srcEvent, col: "target_text"},
	"selector":       {typ: typeSelector, src: srcEvent, col: "selector_tok"},
	"name":           {typ: typeText, src: srcEvent, col: "custom_name"},
	"error_kind":     {typ: typeText, src: srcEvent, col: "error_kind"},
	"request_url":    {typ: typeText, src: srcEvent, col: "req_url"},
	"request_method": {typ: typeText, src: srcEvent, col: "req_method"},
	"request_status": {typ: typeNumber, src: srcEvent, col: "req_status"},
	"rage":           {typ: typeFlag, src: srcEvent, col: "mod_frustrated"},
	"dead":           {typ: typeFlag, src: srcEvent, col: "mod_dead"},
	"error":          {typ: typeFlag, src: srcEvent, col: "mod_error"},
	"country":        {typ: typeText, src: srcEvent, col: "country"},
	"region":         {typ: typeText, src: srcEvent, col: "region"},
	"city":           {typ: typeText, src: srcEvent, col: "city"},
	"browser":        {typ: typeText, src: srcEvent, col: "browser"},
	"device":         {typ: typeText, src: srcEvent, col: "device"},
	"os":             {typ: typeText, src: srcEvent, col: "os"},
}

// userFields are the fields of user criteria, besides user_* properties.
var userFields = map[string]field{
	"uid":          {typ: typeText, src: srcPerson, col: "uid"},
	"display_name": {typ: typeText, src: srcPerson, col: "display_name"},
	"email":        {typ: typeText, src: srcPerson, col: "email"},
	"created":      {typ: typeTime, src: srcPerson, col: "created"},
	"first_seen":   {typ: typeTime, src: srcFirstSeen, col: "event_start"},
	"last_seen":    {typ: typeTime, src: srcLastSeen, col: "event_start"},
	"country":      {typ: typeText, src: srcActivity, col: "country"},
	"region":       {typ: typeText, src: srcActivity, col: "region"},
	"city":         {typ: typeText, src: srcActivity, col: "city"},
	"browser":      {typ: typeText, src: srcActivity, col: "browser"},
	"device":       {typ: typeText, src: srcActivity, col: "device"},
	"os":           {typ: typeText, src: srcActivity, col: "os"},
}

// eventTypes are the EventType values a filter may name.
var eventTypes = event.EventTypes

// propType maps a property type to the value type conditions see.
func propType(t event.PropType) valueType {
	switch t {
	case event.TypeStr:
		return typeText
	case event.TypeInt, event.TypeReal:
		return typeNumber
	case event.TypeDate:
		return typeTime
	case event.TypeBool:
		return typeBool
	case event.TypeStrs:
		return typeTextList
	}
	// TODO(lists): element tests for ints, reals, bools and dates lists;
	// they take exists and not_exists until a caller needs more.
	return typeList
}

// lookupField resolves a field name of a user criterion (user true) or
// of an event condition. Property fields are named by export column,
// e.g. "user_plan_str" or "evt_order.total_real".
func lookupField(name string, user bool) (field, bool) {
	catalog, scopes := eventFields, []event.PropScope{event.ScopeEvent,
		event.ScopePage}
	if user {
		catalog, scopes = userFields, []event.PropScope{event.ScopeUser}
	}
	if f, ok := catalog[name]; ok {
		f.name = name
		return f, true
	}
	pc, ok := event.ParsePropColumn(name)
	if !ok || !slices.Contains(scopes, pc.Scope) {
		return field{}, false
	}
	f := field{name: name, typ: propType(pc.Key.Type), key: pc.Key.String()}
	switch pc.Scope {
	case event.ScopeUser:
		f.src, f.col = srcPersonProp, "props"
	case event.ScopeEvent:
		f.src, f.col = srcEventProp, "evt_props"
	default:
		f.src, f.col = srcPageProp, "page_props"
	}
	return f, true
}

// fieldNames lists the allowed field names for an error message.
func fieldNames(user bool) string {
	catalog, props := eventFields, "evt_<key>_<type>, page_<key>_<type>"
	if user {
		catalog, props = userFields, "user_<key>_<type>"
	}
	names := make([]string, 0, len(catalog)+1)
	for n := range catalog {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(append(names, props), ", ")
}
