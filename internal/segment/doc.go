// Package segment reads, checks and compiles segment definitions: saved
// questions about people, such as "added fruit to the cart twice, never
// completed an order, on a phone, in the last 30 days". Parse reads and
// validates the JSON format described here; Compile turns a definition
// into SQL for one org and one time window, in a store's Dialect.
//
// # Shape
//
// A definition names a time range, a timezone, how its criteria combine,
// and the criteria:
//
//	{
//	  "name": "Cart, no order, on phones",
//	  "timeRange": {"last": "30d"},
//	  "timezone": "Europe/Berlin",
//	  "match": "all",
//	  "criteria": [
//	    {"user": {"field": "device", "op": "eq", "value": "Mobile"}},
//	    {"did": {"type": "click", "where": [
//	        {"field": "target_text", "op": "eq", "value": "Add to cart"}]},
//	     "count": {"op": "gte", "value": 2}},
//	    {"didNot": {"type": "custom", "where": [
//	        {"field": "name", "op": "eq", "value": "Order Completed"}]}}
//	  ]
//	}
//
// Every key is optional; {} is everyone. Keys are lowerCamel, and their
// snake_case twins (time_range, did_not, same_session, case_sensitive)
// are read too. An unknown key is an error, so that a typo never widens
// a segment silently; a key whose value is null counts as absent.
//
// # Who can be a member
//
// A member is a person (IndvId; all devices of an identified person are
// one person) with at least one event in the time range, for whom the
// criteria hold. People with no event in the range are never members,
// even of a segment made only of didNot or user criteria.
//
// # Time range
//
// The criteria are judged over one window. An export's
// segmentTimeRange replaces it (CompileOptions.Window); two empty bounds
// there mean all time. Every window is half-open: start included, end
// excluded.
//
//	{"all": true}                  all time (also the default)
//	{"last": "30d"}                30 whole local days, today included
//	{"last": "2w"}                 14 whole local days, today included
//	{"last": "12h"}                [now - 12 hours, now)
//	{"since": "2026-01-01"}        from local midnight, no end
//	{"start": "2026-01-01", "end": "2026-02-01"}   January, local time
//	{"start": "2026-01-01T00:00:00Z"}               open end
//
// Day and week ranges run from local midnight N-1 days before today to
// local midnight after today, so "last 1d" is today; days are calendar
// days, 23 or 25 hours long across a DST change. "now" is the injected
// clock (CompileOptions.Now).
//
// Bounds are read by ParseBound: with an offset ("Z", "+02:00") a bound
// is an absolute instant; without one it is wall time in the timezone,
// and a date alone means local midnight. A wall time skipped by a DST
// change is read with the offset in force before the change (02:30 on
// the New York spring-forward day is 03:30 EDT, 07:30Z); a wall time
// that occurs twice means its first occurrence.
//
// # Timezone
//
// "timezone" is an IANA name; the default is UTC. The request's
// timezone, when given (CompileOptions.Location), wins over the
// definition's. It decides day boundaries of relative ranges and how
// bounds and time values without an offset are read. Fixed offsets such
// as "+05:00" are rejected, never read as UTC (LoadLocation).
//
// # Match and groups
//
// "match" is "all" (the default: every criterion holds) or "any" (at
// least one does). A criterion may be a group with its own match, to
// any depth up to 8:
//
//	{"match": "all", "criteria": [
//	  {"did": {"type": "navigate"}},
//	  {"match": "any", "criteria": [
//	    {"user": {"field": "user_plan_str", "op": "eq", "value": "pro"}},
//	    {"user": {"field": "device", "op": "eq", "value": "Tablet"}}]}]}
//
// A criterion holds exactly one of user, did, didNot, sequence, or a
// group (match and criteria).
//
// # User criteria
//
// A user criterion tests the person:
//
//	{"user": {"field": "email", "op": "ends_with", "value": "@example.org"}}
//	{"user": {"field": "created", "op": "gte", "value": "2026-01-01"}}
//	{"user": {"field": "last_seen", "op": "lt", "value": "2026-03-01"}}
//	{"user": {"field": "user_plan_str", "op": "in", "values": ["pro", "team"]}}
//	{"user": {"field": "user_seats_int", "op": "gt", "value": 10}}
//	{"user": {"field": "country", "op": "eq", "value": "DE"}}
//
// The fields:
//
//   - uid (the id the site set), display_name, email: text.
//   - created: time, when the person was first stored.
//   - first_seen, last_seen: time, the person's first and last event
//     over all time (not only the window).
//   - user_<name>_<type>: a custom user property, by its export column
//     name; the type suffix decides how it compares: _str text, _int and
//     _real numbers, _date times, _bool booleans, _strs a list of text;
//     other list types take exists and not_exists only.
//   - country, region, city, browser, device, os: where the person was
//     and what they used. The condition holds when any of the person's
//     events in the window meets it, so "device neq Mobile" means "used
//     something other than a phone at least once"; for "never on a
//     phone" write didNot with a device condition.
//
// # did and count
//
// did holds when the person has at least one event in the window that
// matches the filter: an optional event type and conditions on the
// event, all of which must hold.
//
//	{"did": {"type": "click", "where": [
//	  {"field": "target_text", "op": "eq", "value": "Add to cart"}]}}
//
//	{"did": {"where": [{"field": "name", "op": "eq", "value": "Order Completed"}]}}
//
// "count" narrows it to a number of matching events: eq, gte and lte
// take "value", between takes "values" [low, high], both included. The
// count is at least 1: did means at least once, and "lte 2" means once
// or twice; for none write didNot.
//
//	{"did": {"type": "click"}, "count": {"op": "gte", "value": 3}}
//	{"did": {"type": "click"}, "count": {"op": "between", "values": [1, 2]}}
//
// Events are counted per person; events were deduplicated when stored.
//
// The event types are those of EventType: navigate, load, click,
// change, seen, custom, custom_error, error, console, request, uservar,
// pagevar, copy, paste, form_abandon, mouse_thrash, background,
// foreground. "type" matches one of them exactly; "custom" does not
// include "custom_error" (use a group with match any for both).
//
// # didNot
//
// didNot holds when the person has no matching event in the window:
//
//	{"didNot": {"type": "custom", "where": [
//	  {"field": "name", "op": "eq", "value": "Order Completed"}]}}
//
// # sequence
//
// A sequence holds when the person did its steps (2 to 10, each a filter
// like did's) in that order within the window: each step's event comes
// strictly after the previous one, ordered by EventStart and, for events
// of the same instant, by EventId. Other events may come between.
// "within" limits the time from the first step's event to the last's
// (inclusive; a count and a unit s, m, h, d = 24h or w = 7d), and
// "sameSession" keeps all steps in the session of the first (an event
// with no session matches none).
//
//	{"sequence": [
//	   {"type": "navigate", "where": [{"field": "url", "op": "contains", "value": "#/market"}]},
//	   {"type": "navigate", "where": [{"field": "url", "op": "contains", "value": "#/checkout"}]}],
//	 "within": "1h", "sameSession": true}
//
// # Event fields
//
// The fields of where conditions:
//
//   - url (PageUrl), referrer (PageRefererUrl), page_name, target_text
//     (EventTargetText), name (EventCustomName), error_kind
//     (EventVarErrorKind), request_url, request_method: text.
//   - host and path: parts of the page URL. path is the URL's own path,
//     without query or fragment, as written (percent-encoding kept).
//     A hash route such as https://shop.example/#/market has path "/";
//     match the route with url: {"field": "url", "op": "contains",
//     "value": "#/market"}. host drops user info and port. Both are ""
//     for a page URL that is not an absolute URL.
//   - request_status: a number.
//   - rage, dead, error: flags, the click modifiers EventModFrustrated,
//     EventModDead and EventModError; they take eq and neq with true or
//     false, and an unset flag counts as false.
//   - country, region, city, browser, device, os: text, as in user
//     criteria but for this event.
//   - selector: the element the event was captured on; see Selectors.
//   - evt_<name>_<type>, page_<name>_<type>: custom event and page
//     properties, typed by suffix as user properties are
//     ({"field": "evt_order.total_real", "op": "gte", "value": 10}).
//
// # Operators
//
// By the type of the field:
//
//	text     eq neq contains not_contains starts_with ends_with matches
//	         in not_in exists not_exists
//	number   eq neq gt gte lt lte between in not_in exists not_exists
//	time     gt gte lt lte between exists not_exists
//	boolean  eq neq exists not_exists
//	flag     eq neq
//	selector matches
//	text list eq neq in not_in exists not_exists (eq and in: some
//	         element equals a value)
//
// in and not_in take "values", a list of 1 to 1000; between takes
// "values" [low, high]; exists and not_exists take no value; the others
// take "value". Values have the field's JSON type: a string for text, a
// number for numbers, true or false for booleans and flags, and for
// times a bound as ParseBound reads it, in the timezone ("2026-01-01",
// "2026-01-01T09:00:00", "2026-01-01T08:00:00Z"). between includes both
// ends for numbers and is half-open [low, high) for times, like time
// ranges, so ["2026-01-01", "2026-02-01"] is January. Times have no
// eq: use between. Ordering operators on text are refused.
//
// matches takes an RE2 regular expression, which holds when it matches
// anywhere in the text ("^" and "$" anchor it).
//
// Text operators on text fields take "caseSensitive": false to ignore
// case; the default is to respect it.
//
//	{"field": "target_text", "op": "eq", "value": "buy now", "caseSensitive": false}
//
// A missing value (null, an absent property, a person with no stored
// row) fails every operator but exists, and the negative operators
// (neq, not_contains, not_in, not_exists) are exact negations of their
// positive twins: they hold for a missing value. So "email neq x"
// includes people with no email. An empty string is a value: it exists.
// A property whose stored value does not read as its type (text in a
// _real property) exists, and is missing for every other operator.
//
// # Selectors
//
// The selector field takes one operator, matches, with a CSS selector
// made of tags (or *), #id, .class, [attr] and [attr=value] (value bare,
// or quoted with ' or "), joined by the descendant (space) and child (>)
// combinators; at most 8 compounds of at most 4 #id/.class/[attr] parts.
// It holds when the event's element matches: the last compound is the
// element itself, the others its ancestors. Tag names ignore case;
// classes, ids and attribute values do not.
//
//	{"field": "selector", "op": "matches", "value": "form.checkout button.btn-primary"}
//	{"field": "selector", "op": "matches", "value": "a[href='#/market']"}
//
// It is judged from the element path stored with the event
// (EventTargetSelectorTok): space-separated tokens from the root down,
// where a token starting with a letter is an element's tag and starts
// that element, and the tokens after it describe it: ".c" a class, "#i"
// its id, "=a" an attribute, "=a=v" an attribute and its value, with
// names and values percent-encoded ("-" as %2D; raw characters are
// accepted too, a space only encoded):
//
//	html body div .content a .btn .cta%2Dadd =href=%23%2Fcart
//
// # Built-in segments
//
// Builtin returns everyone (every person with an event), rageClicks,
// deadClicks and errorClicks (people with a click marked rage, dead or
// error), each over all time.
//
// # Validation
//
// Parse and Definition.Validate check every field, operator, value type,
// time range and timezone, and the limits (8 levels of groups, 256
// criteria, 64 conditions per filter, 10 steps, 1000 values, 8 KiB per
// text value, 1 MiB per definition). An error is an *event.Error with
// code invalid_argument whose message starts with the path of the part
// at fault and says what is allowed:
//
//	criteria[2].did.where[0].op: unknown operator "equals"; allowed: eq, neq, ...
//
// # SQL
//
// Compile resolves the window and returns the members query (People: one
// column, indv_id) and an expression for the events that matched
// (EventMatch: over the events table aliased e, true for an event in the
// window that a did filter or a sequence step selects; didNot and user
// criteria select no events), and for a preview one query that judges
// each top-level criterion once per person and says whether the person
// is a member after the first k criteria, for each k (Funnel). All
// read only the given org. Every value
// is a bound parameter; the only names spelled into the SQL are
// property keys that event.ValidPropName accepted. Times are compared at
// the store's microsecond precision.
//
// The SQL that differs between stores goes through a Dialect; DuckDB is
// the one implemented.
package segment
