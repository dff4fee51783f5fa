package segment

// value is the SQL of a field's value on an alias: a column, a part of
// the page URL, a typed property, or for first_seen and last_seen an
// aggregate over the person's events.
func (c *compiler) value(f field, alias string) string {
	col := alias + "." + f.col
	switch f.src {
	case srcHost:
		return c.d.URLHost(col)
	case srcPath:
		return c.d.URLPath(col)
	case srcFirstSeen:
		return "min(" + col + ")"
	case srcLastSeen:
		return "max(" + col + ")"
	case srcEventProp, srcPageProp, srcPersonProp:
		text := c.d.JSONText(col, f.key)
		switch f.typ {
		case typeNumber:
			return c.d.ToNumber(text)
		case typeBool:
			return c.d.ToBool(text)
		case typeTime:
			return c.d.ToTime(text)
		}
		return text
	}
	return col
}

// present is the SQL that is NULL exactly when the field is missing:
// the raw property text, not its typed cast.
func (c *compiler) present(f field, alias string) string {
	switch f.src {
	case srcEventProp, srcPageProp, srcPersonProp:
		return c.d.JSONText(alias+"."+f.col, f.key)
	}
	return c.value(f, alias)
}

// positive writes the positive form of a condition: true when it holds,
// false or NULL when not.
func (c *compiler) positive(w *sqlw, cd *cond, alias string) {
	f := cd.field
	x := c.value(f, alias)
	switch {
	case cd.op == opExists:
		w.raw(c.present(f, alias), " IS NOT NULL")
	case f.typ == typeFlag:
		w.raw(x, " = 1")
	case f.typ == typeTextList:
		c.listHasAny(w, cd, alias)
	case f.typ == typeText:
		c.text(w, cd, x)
	default:
		c.compare(w, cd, x)
	}
}

// text writes a text operator, lower-casing both sides to ignore case.
func (c *compiler) text(w *sqlw, cd *cond, x string) {
	arg := "?"
	if cd.fold && cd.op != opMatches {
		x, arg = c.d.Lower(x), c.d.Lower("?")
	}
	var fn func(string, string) string
	switch cd.op {
	case opEq:
		w.raw(x, " = ", arg)
	case opIn:
		w.raw(x, " IN (")
		for i := range cd.texts {
			if i > 0 {
				w.raw(", ")
			}
			w.raw(arg)
		}
		w.raw(")")
	case opContains:
		fn = c.d.Contains
	case opStartsWith:
		fn = c.d.StartsWith
	case opEndsWith:
		fn = c.d.EndsWith
	case opMatches:
		fn = c.d.RegexpMatches
	}
	if fn != nil {
		w.raw(fn(x, arg))
	}
	for _, s := range cd.texts {
		w.args = append(w.args, s)
	}
}

// compare writes an operator on numbers, times, booleans or selectors.
func (c *compiler) compare(w *sqlw, cd *cond, x string) {
	vals := cd.args()
	switch cd.op {
	case opMatches: // a selector, compiled to a pattern
		w.raw(c.d.RegexpMatches(x, "?"))
		w.args = append(w.args, vals...)
	case opIn:
		w.raw(x, " IN (")
		for i, v := range vals {
			if i > 0 {
				w.raw(", ")
			}
			w.arg(v)
		}
		w.raw(")")
	case opBetween:
		// Numbers include both ends; times, like every time range,
		// include the start and exclude the end.
		hi := " <= "
		if cd.field.typ == typeTime {
			hi = " < "
		}
		w.raw("(", x, " >= ")
		w.arg(vals[0])
		w.raw(" AND ", x, hi)
		w.arg(vals[1])
		w.raw(")")
	default:
		w.raw(x, map[string]string{opEq: " = ", opGt: " > ", opGte: " >= ",
			opLt: " < ", opLte: " <= "}[cd.op])
		w.arg(vals[0])
	}
}

// listHasAny writes eq or in on a list of strings: some element is one
// of the values.
func (c *compiler) listHasAny(w *sqlw, cd *cond, alias string) {
	elems := make([]string, len(cd.texts))
	for i := range elems {
		elems[i] = "?"
	}
	w.raw(c.d.JSONTextListHasAny(alias+"."+cd.field.col, cd.field.key, elems))
	for _, s := range cd.texts {
		w.args = append(w.args, s)
	}
}

// args are the condition's values as bound parameters.
func (cd *cond) args() []any {
	var out []any
	for _, s := range cd.texts {
		out = append(out, s)
	}
	for _, n := range cd.nums {
		out = append(out, n)
	}
	for _, t := range cd.times {
		out = append(out, t.UTC())
	}
	if cd.field.typ == typeBool {
		out = append(out, cd.flag)
	}
	return out
}
