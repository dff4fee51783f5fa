package segment

import (
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
	"github.com/backstory-dev/backstory/internal/store/duckdb"
)

const testOrg event.OrgID = "org-1"

// testEvent is an event fixture. Cols holds further columns by their
// storage name; Evt and Page are the property objects as JSON text.
type testEvent struct {
	ID      string
	Indv    int64
	Session int64
	At      string // RFC 3339
	Type    string
	Cols    map[string]any
	Evt     string
	Page    string
	Org     event.OrgID // testOrg when empty
}

// testPerson is a people fixture; nil pointers are NULL.
type testPerson struct {
	Indv    int64
	UID     *string
	Name    *string
	Email   *string
	Created string // RFC 3339
	Props   string // JSON; "{}" when empty
	Org     event.OrgID
}

// fataler is what fixture helpers need of a *testing.T or *rapid.T.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

func ptr[T any](v T) *T { return &v }

// openDB opens an in-memory DuckDB with the store's schema.
func openDB(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatalf("open duckdb: %v", err)
	}
	db.SetMaxOpenConns(1) // one in-memory database for every query
	t.Cleanup(func() { db.Close() })
	for _, stmt := range duckdb.Schema() {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("apply schema: %v", err)
		}
	}
	return db
}

func mustTime(t fataler, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("fixture time %q: %v", s, err)
	}
	return at.UTC()
}

func insertEvents(t fataler, db *sql.DB, evs ...testEvent) {
	t.Helper()
	for _, ev := range evs {
		cols := []string{"org_id", "event_id", "indv_id", "user_id",
			"session_id", "event_start", "event_type", "evt_props",
			"page_props"}
		org := ev.Org
		if org == "" {
			org = testOrg
		}
		var evt, page any
		if ev.Evt != "" {
			evt = ev.Evt
		}
		if ev.Page != "" {
			page = ev.Page
		}
		var session any
		if ev.Session != 0 {
			session = ev.Session
		}
		args := []any{string(org), ev.ID, ev.Indv, ev.Indv, session,
			mustTime(t, ev.At), ev.Type, evt, page}
		keys := make([]string, 0, len(ev.Cols))
		for k := range ev.Cols {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			cols = append(cols, k)
			args = append(args, ev.Cols[k])
		}
		q := fmt.Sprintf("INSERT INTO events (%s) VALUES (%s)",
			strings.Join(cols, ", "),
			strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", "))
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("insert event %s: %v", ev.ID, err)
		}
	}
}

func insertPeople(t fataler, db *sql.DB, ps ...testPerson) {
	t.Helper()
	for _, p := range ps {
		org := p.Org
		if org == "" {
			org = testOrg
		}
		props := p.Props
		if props == "" {
			props = "{}"
		}
		created := mustTime(t, p.Created)
		_, err := db.Exec(`INSERT INTO people (org_id, indv_id, uid,
			display_name, email, created, updated, props)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, string(org), p.Indv, p.UID,
			p.Name, p.Email, created, created, props)
		if err != nil {
			t.Fatalf("insert person %d: %v", p.Indv, err)
		}
	}
}

// members runs a compiled People query and returns the ids, sorted.
func members(t fataler, db *sql.DB, c Compiled) []int64 {
	t.Helper()
	rows, err := db.Query(c.People.SQL, c.People.Args...)
	if err != nil {
		t.Fatalf("run people query: %v\nSQL: %s", err, c.People.SQL)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatalf("scan: %v", err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("people rows: %v\nSQL: %s", err, c.People.SQL)
	}
	if n := len(out); n != len(slices.Compact(slices.Sorted(slices.Values(out)))) {
		t.Fatalf("people query repeats a member: %v", out)
	}
	slices.Sort(out)
	return out
}

// funnelSteps is the number of steps c.Funnel selects, as a range.
func (c Compiled) funnelSteps() int {
	if c.Funnel.SQL == "" {
		return 0
	}
	return strings.Count(c.Funnel.SQL[:strings.Index(c.Funnel.SQL, " FROM ")], " AS step")
}

// funnelStep is a Compiled whose People are the members of step k (from
// 0) of c.Funnel.
func funnelStep(c Compiled, k int) Compiled {
	return Compiled{People: store.Query{
		SQL:  fmt.Sprintf("SELECT indv_id FROM (%s) WHERE step%d", c.Funnel.SQL, k+1),
		Args: c.Funnel.Args}}
}

// matchedEvents returns the ids of the org's events EventMatch selects.
func matchedEvents(t fataler, db *sql.DB, c Compiled) []string {
	t.Helper()
	if c.EventMatch.SQL == "" {
		return nil
	}
	q := "SELECT e.event_id FROM events e WHERE e.org_id = ? AND " +
		c.EventMatch.SQL + " ORDER BY e.event_id"
	args := append([]any{string(testOrg)}, c.EventMatch.Args...)
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("run event match: %v\nSQL: %s", err, q)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatalf("scan: %v", err)
		}
		out = append(out, id)
	}
	return out
}

// compileJSON parses a definition and compiles it for testOrg.
func compileJSON(t testing.TB, def string, opt CompileOptions) Compiled {
	t.Helper()
	d, err := Parse([]byte(def))
	if err != nil {
		t.Fatalf("parse %s: %v", def, err)
	}
	if opt.Org == "" {
		opt.Org = testOrg
	}
	c, err := Compile(d, opt)
	if err != nil {
		t.Fatalf("compile %s: %v", def, err)
	}
	return c
}
