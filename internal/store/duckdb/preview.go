package duckdb

import (
	"context"
	"fmt"
	"time"

	"github.com/backstory-dev/backstory/internal/store"
)

// Preview counts a segment's members, and their sessions and events in
// the window, and the members active on each local day of the window.
func (db *DB) Preview(ctx context.Context, q store.PreviewQuery) (store.PreviewResult, error) {
	var res store.PreviewResult
	var s sqlBuilder
	s.add("SELECT count(DISTINCT e.indv_id), count(DISTINCT e.session_id), count(*) FROM events e")
	s.where(store.ExportQuery{Org: q.Org, People: q.People, Start: q.Start, End: q.End})
	err := db.sql.QueryRowContext(ctx, s.b.String(), s.args...).Scan(
		&res.ActivePeople, &res.Sessions, &res.Events)
	if err != nil {
		return res, fmt.Errorf("preview counts: %w", err)
	}

	var m sqlBuilder
	m.add("SELECT count(*) FROM (" + orEveryone(q) + ")")
	m.args = append(m.args, q.People.Args...)
	if q.People.SQL == "" {
		m.args = []any{string(q.Org)}
	}
	if err := db.sql.QueryRowContext(ctx, m.b.String(), m.args...).Scan(&res.People); err != nil {
		return res, fmt.Errorf("preview people: %w", err)
	}

	loc := q.Location
	if loc == nil {
		loc = time.UTC
	}
	var d sqlBuilder
	d.add("SELECT CAST(timezone(?, e.event_start AT TIME ZONE 'UTC') AS DATE) AS day,"+
		" count(DISTINCT e.indv_id) FROM events e", loc.String())
	d.where(store.ExportQuery{Org: q.Org, People: q.People, Start: q.Start, End: q.End})
	d.add(" GROUP BY day ORDER BY day")
	rows, err := db.sql.QueryContext(ctx, d.b.String(), d.args...)
	if err != nil {
		return res, fmt.Errorf("preview per day: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var day time.Time
		var n int64
		if err := rows.Scan(&day, &n); err != nil {
			return res, err
		}
		res.PerDay = append(res.PerDay, store.DayCount{Day: day.Format(time.DateOnly), People: n})
	}
	return res, rows.Err()
}

// orEveryone is the member query, or every person of the org.
func orEveryone(q store.PreviewQuery) string {
	if q.People.SQL != "" {
		return q.People.SQL
	}
	return "SELECT indv_id FROM people WHERE org_id = ?"
}

// CountPeople counts the members a query selects.
func (db *DB) CountPeople(ctx context.Context, org string, people store.Query) (int64, error) {
	q := store.PreviewQuery{People: people}
	args := people.Args
	if people.SQL == "" {
		args = []any{org}
	}
	var n int64
	err := db.sql.QueryRowContext(ctx, "SELECT count(*) FROM ("+orEveryone(q)+")", args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count people: %w", err)
	}
	return n, nil
}
