package bench

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
	"github.com/backstory-dev/backstory/internal/store/duckdb"
)

// exportColumns are the columns of an event export with no fields
// given: every catalog column, then every stored property, as the
// export service resolves them.
func exportColumns(ctx context.Context, db *duckdb.DB) ([]store.OutputColumn, error) {
	var cols []store.OutputColumn
	for _, c := range event.EventColumns {
		cols = append(cols, store.OutputColumn{Name: c.Name, Kind: c.Kind, Column: &c})
	}
	for _, scope := range []event.PropScope{event.ScopeUser, event.ScopeEvent, event.ScopePage} {
		keys, err := db.PropKeys(ctx, dataOrg, scope)
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			p := event.PropColumn{Scope: scope, Key: k}
			cols = append(cols, store.OutputColumn{Name: p.Name(),
				Kind: k.Type.Kind(), Prop: &p})
		}
	}
	return cols, nil
}

// copySelect is the SELECT an event export runs, written out with its
// arguments inlined, for DuckDB's COPY: the same columns, join, filter
// and order.
func copySelect(cols []store.OutputColumn, people store.Query) (string, error) {
	exprs := make([]string, len(cols))
	for i, c := range cols {
		var x string
		switch {
		case c.Prop != nil:
			x = propSQL(c.Prop)
		case c.Column.Source == event.FromPerson:
			x = "p." + c.Column.DB
		default:
			x = "e." + c.Column.DB
		}
		exprs[i] = x + ` AS "` + c.Name + `"`
	}
	where := "e.org_id = " + quote(string(dataOrg))
	if people.SQL != "" {
		sql, err := inline(people)
		if err != nil {
			return "", err
		}
		where += " AND e.indv_id IN (" + sql + ")"
	}
	return "SELECT " + strings.Join(exprs, ", ") +
		" FROM events e LEFT JOIN people p" +
		" ON p.org_id = e.org_id AND p.indv_id = e.indv_id" +
		" WHERE " + where + " ORDER BY e.event_start, e.event_id", nil
}

// propSQL reads a typed property out of its JSON column.
func propSQL(p *event.PropColumn) string {
	col := "e.evt_props"
	switch p.Scope {
	case event.ScopeUser:
		col = "p.props"
	case event.ScopePage:
		col = "e.page_props"
	}
	path := `'$."` + p.Key.String() + `"'`
	switch p.Key.Type {
	case event.TypeStr, event.TypeDate:
		return "json_extract_string(" + col + ", " + path + ")"
	case event.TypeInt:
		return "TRY_CAST(json_extract(" + col + ", " + path + ") AS BIGINT)"
	case event.TypeReal:
		return "TRY_CAST(json_extract(" + col + ", " + path + ") AS DOUBLE)"
	case event.TypeBool:
		return "TRY_CAST(json_extract(" + col + ", " + path + ") AS BOOLEAN)"
	}
	return "CAST(json_extract(" + col + ", " + path + ") AS VARCHAR)"
}

// inline replaces the query's placeholders, outside string literals,
// with its arguments as SQL literals.
func inline(q store.Query) (string, error) {
	var b strings.Builder
	n, quoted := 0, false
	for _, r := range q.SQL {
		switch {
		case r == '\'':
			quoted = !quoted
		case r == '?' && !quoted:
			if n >= len(q.Args) {
				return "", fmt.Errorf("inline: more placeholders than %d arguments", len(q.Args))
			}
			lit, err := literal(q.Args[n])
			if err != nil {
				return "", err
			}
			b.WriteString(lit)
			n++
			continue
		}
		b.WriteRune(r)
	}
	if n != len(q.Args) {
		return "", fmt.Errorf("inline: %d placeholders for %d arguments", n, len(q.Args))
	}
	return b.String(), nil
}

func literal(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return quote(x), nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case bool:
		return strconv.FormatBool(x), nil
	case time.Time:
		return "TIMESTAMP '" + x.UTC().Format("2006-01-02 15:04:05.999999") + "'", nil
	}
	return "", fmt.Errorf("inline: no literal for %T", v)
}

func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
