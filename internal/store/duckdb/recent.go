package duckdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
)

// RecentFilter selects the latest events, for the web UI's live view.
type RecentFilter struct {
	// After keeps events received at or after this instant; zero keeps
	// all. Equal instants are kept so that nothing is skipped; the
	// caller drops the events it already has by EventId.
	After time.Time
	// Type keeps one EventType; "" keeps all.
	Type string
	// Person keeps one person's events: a whole number is an IndvId or a
	// uid, any other text is matched, ignoring case, within the uid,
	// email and display name.
	Person string
	// Limit caps the events returned; 0 means 100, and at most 500.
	Limit int
}

// recentColumns are the columns of a live event, by export name.
var recentColumns = []string{
	"EventId", "EventStart", "EventReceivedAt", "EventType", "EventSubType",
	"EventCustomName", "EventTargetText", "EventModFrustrated",
	"EventModDead", "EventModError", "EventVarErrorKind", "PageUrl",
	"PageBrowser", "PageDevice", "PageOperatingSystem", "PageCountry",
	"ReqStatus", "IndvId", "SessionId", "UserAppKey", "UserEmail",
	"UserDisplayName",
}

// RecentEvents lists the latest events the org received, newest first.
// Each record's Values hold recentColumns (person columns from the
// people table) and its EventProps the event's custom properties.
func (db *DB) RecentEvents(ctx context.Context, org event.OrgID,
	f RecentFilter) ([]event.Record, error) {
	cols := make([]event.Column, len(recentColumns))
	sel := make([]string, len(recentColumns))
	for i, name := range recentColumns {
		c, ok := event.LookupEventColumn(name)
		if !ok {
			return nil, fmt.Errorf("recent events: no column %s", name)
		}
		cols[i], sel[i] = c, "e."+c.DB
		if c.Source == event.FromPerson {
			sel[i] = "p." + c.DB
		}
	}

	var s sqlBuilder
	s.add("SELECT "+strings.Join(sel, ", ")+", e.evt_props FROM events e"+
		" LEFT JOIN people p ON p.org_id = e.org_id AND p.indv_id = e.indv_id"+
		" WHERE e.org_id = ?", string(org))
	if !f.After.IsZero() {
		s.add(" AND e.received_at >= ?", f.After.UTC())
	}
	if f.Type != "" {
		s.add(" AND e.event_type = ?", f.Type)
	}
	if who := strings.TrimSpace(f.Person); who != "" {
		if n, err := strconv.ParseInt(who, 10, 64); err == nil {
			s.add(" AND (e.indv_id = ? OR p.uid = ?)", n, who)
		} else {
			like := "%" + escapeLike(who) + "%"
			s.add(" AND (p.uid ILIKE ? ESCAPE '\\' OR p.email ILIKE ? ESCAPE '\\'"+
				" OR p.display_name ILIKE ? ESCAPE '\\')", like, like, like)
		}
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	s.add(" ORDER BY e.received_at DESC NULLS LAST, e.event_start DESC, e.event_id"+
		" LIMIT ?", min(limit, 500))

	rows, err := db.sql.QueryContext(ctx, s.b.String(), s.args...)
	if err != nil {
		return nil, fmt.Errorf("recent events: %w", err)
	}
	defer rows.Close()
	var out []event.Record
	vals := make([]any, len(cols)+1)
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("recent events: %w", err)
		}
		rec := event.Record{Values: make(map[string]any, len(cols))}
		for i, c := range cols {
			if v := convert(vals[i], c.Kind); v != nil {
				rec.Values[c.Name] = v
			}
		}
		if props, ok := vals[len(cols)].(string); ok && props != "" {
			json.Unmarshal([]byte(props), &rec.EventProps)
		}
		out = append(out, rec)
	}
	return out, rows.Err()
}

// ValuesQuery asks for the common values of a column.
type ValuesQuery struct {
	// Column is a stored text column of the events table, by export
	// name, e.g. "PageUrl".
	Column string
	// Contains, when set, keeps the values containing it, ignoring case.
	Contains string
	// Limit caps the values returned; 0 means 50, and at most 200.
	Limit int
}

// ValueCount is a value seen in the data and how many events carry it.
type ValueCount struct {
	Value string
	Count int64
}

// TopValues lists the most common values of a text event column, most
// common first, for the segment builder's pickers.
func (db *DB) TopValues(ctx context.Context, org event.OrgID, q ValuesQuery) ([]ValueCount, error) {
	c, ok := event.LookupEventColumn(q.Column)
	if !ok || c.Source != event.FromEvent || c.Kind != event.KindString {
		return nil, fmt.Errorf("top values: %q is not a stored text column", q.Column)
	}
	var s sqlBuilder
	s.add("SELECT "+c.DB+", count(*) AS n FROM events WHERE org_id = ? AND "+
		c.DB+" IS NOT NULL AND "+c.DB+" <> ''", string(org))
	if q.Contains != "" {
		s.add(" AND "+c.DB+" ILIKE ? ESCAPE '\\'", "%"+escapeLike(q.Contains)+"%")
	}
	limit := q.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	s.add(" GROUP BY 1 ORDER BY n DESC, 1 LIMIT ?", limit)

	rows, err := db.sql.QueryContext(ctx, s.b.String(), s.args...)
	if err != nil {
		return nil, fmt.Errorf("top values: %w", err)
	}
	defer rows.Close()
	var out []ValueCount
	for rows.Next() {
		var v sql.NullString
		var n int64
		if err := rows.Scan(&v, &n); err != nil {
			return nil, fmt.Errorf("top values: %w", err)
		}
		out = append(out, ValueCount{Value: v.String, Count: n})
	}
	return out, rows.Err()
}

// escapeLike quotes the LIKE wildcards of user text.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
