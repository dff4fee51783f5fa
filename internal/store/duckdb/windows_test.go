package duckdb

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/export/encode"
	"github.com/backstory-dev/backstory/internal/store"
)

// TestExportWindowsKeepOrder exports across many small windows and checks
// that every row comes once, in (EventStart, EventId) order, with ties
// at window boundaries kept together.
func TestExportWindowsKeepOrder(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	fixWindowRows(t, 7)

	start := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	var recs []event.Record
	for i := range 200 {
		// Several events per instant, spread over many hours.
		at := start.Add(time.Duration(i/3) * 17 * time.Minute)
		recs = append(recs, rec(fmt.Sprintf("e%03d", 199-i), at, nil))
	}
	if _, err := db.AppendEvents(ctx, "o", recs); err != nil {
		t.Fatal(err)
	}
	id, _ := event.LookupEventColumn("EventId")
	ts, _ := event.LookupEventColumn("EventStart")
	q := store.ExportQuery{Org: "o", Start: start.Add(30 * time.Minute),
		People: store.Query{SQL: "SELECT indv_id FROM events WHERE org_id = ?", Args: []any{"o"}},
		Columns: []store.OutputColumn{{Name: "EventId", Kind: id.Kind, Column: &id},
			{Name: "EventStart", Kind: ts.Kind, Column: &ts}}}
	c, err := db.chunkConn()
	if err != nil {
		t.Fatal(err)
	}
	ws, _, err := exportWindows(ctx, c, q)
	c.close()
	if err != nil || len(ws) < 10 {
		t.Fatalf("windows = %d, %v; want many", len(ws), err)
	}
	var got []string
	var last time.Time
	var lastID string
	err = db.ExportEvents(ctx, q, func(row []any) error {
		at, id := row[1].(time.Time), row[0].(string)
		if at.Before(last) || at.Equal(last) && id <= lastID {
			t.Fatalf("row %s at %v came after %s at %v", id, at, lastID, last)
		}
		// The row's strings are the window's, reused once it is sent.
		last, lastID = at, strings.Clone(id)
		got = append(got, lastID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	n, _ := db.CountExport(ctx, q, false)
	if int64(len(got)) != n || n != 194 {
		t.Errorf("exported %d rows, counted %d, want 194 (six are before the start)", len(got), n)
	}
}

// TestExportIsOneSnapshot appends events while an export streams: they
// belong to no window, and the count given before the first row is what
// the export sends.
func TestExportIsOneSnapshot(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	fixWindowRows(t, 5)
	start := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	var recs []event.Record
	for i := range 40 {
		recs = append(recs, rec(fmt.Sprintf("e%02d", i), start.Add(time.Duration(i)*time.Hour), nil))
	}
	db.AppendEvents(ctx, "o", recs)
	id, _ := event.LookupEventColumn("EventId")
	var total int64 = -1
	q := store.ExportQuery{Org: "o", OnTotal: func(n int64) { total = n },
		Columns: []store.OutputColumn{{Name: "EventId", Kind: id.Kind, Column: &id}}}
	sent := 0
	err := db.ExportEvents(ctx, q, func(row []any) error {
		if sent == 0 {
			late := []event.Record{rec("late-1", start.Add(30*time.Hour), nil),
				rec("late-2", start.Add(39*time.Hour+time.Minute), nil)}
			if _, err := db.AppendEvents(ctx, "o", late); err != nil {
				t.Fatal(err)
			}
		}
		sent++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if total != 40 || sent != 40 {
		t.Errorf("total = %d, sent = %d; want 40 and 40 (late events belong to the next export)", total, sent)
	}
}

// fixWindowRows makes every export window n rows for one test.
func fixWindowRows(t *testing.T, n int64) {
	lo, hi := minWindowRows, maxWindowRows
	minWindowRows, maxWindowRows = n, n
	t.Cleanup(func() { minWindowRows, maxWindowRows = lo, hi })
}

func TestWindowRowsShrinkWithWidth(t *testing.T) {
	narrow, wide := windowRows(4), windowRows(66)
	if narrow <= wide {
		t.Errorf("4 columns get %d rows a window, 66 get %d; want more for fewer", narrow, wide)
	}
	if cells := wide * 66 * bytesPerCell; cells > windowBudget {
		t.Errorf("a 66-column window holds %d bytes of cells, over the budget %d", cells, windowBudget)
	}
	if windowRows(100_000) != minWindowRows || windowRows(0) != windowRows(1) {
		t.Errorf("windowRows(100000) = %d, want the floor %d", windowRows(100_000), minWindowRows)
	}
}

// TestWindowedExportMatchesOneQuery exports people's columns and
// properties across many small windows, where rows are sorted and people
// joined in Go, and compares every row with one sorted, joined query: for
// everyone and for a segment, over several spans of people.
func TestWindowedExportMatchesOneQuery(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	fixWindowRows(t, 2) // about 50 windows, so more than 3 people spans
	cols, inSegment := seedPeopleOverTime(t, db)

	collect := func(q store.ExportQuery) []string {
		var out []string
		err := db.ExportEvents(ctx, q, func(row []any) error {
			out = append(out, fmt.Sprint(row...))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, c := range []struct {
		people store.Query
		want   int
	}{
		{store.Query{}, 120},
		{store.Query{SQL: "SELECT DISTINCT indv_id FROM events WHERE indv_id % 2 = 0"}, inSegment},
	} {
		q := store.ExportQuery{Org: "o", Columns: cols, People: c.people}
		windowed := collect(q)
		q.Limit = 1000 // one sorted query with the join in SQL
		whole := collect(q)
		if len(windowed) != c.want || len(whole) != c.want {
			t.Fatalf("people %q: windowed export has %d rows, one query %d; want %d",
				c.people.SQL, len(windowed), len(whole), c.want)
		}
		for i := range whole {
			if windowed[i] != whole[i] {
				t.Fatalf("people %q: row %d: windowed %q, one query %q", c.people.SQL,
					i, windowed[i], whole[i])
			}
		}
	}
}

// seedPeopleOverTime stores 120 events of org "o" over about six hours,
// out of time order and with ties, whose people change with time (so each
// span of windows has others); some events have no person and some
// people no row. It returns export columns that read events, people and a
// person property, and how many events are of even-numbered people.
func seedPeopleOverTime(t *testing.T, db *DB) (cols []store.OutputColumn, inSegment int) {
	t.Helper()
	ctx := context.Background()
	start := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	email := func(i int) *string { s := fmt.Sprintf("p%d@example.org", i); return &s }
	var people []event.Person
	for i := 1; i <= 5; i++ { // person 6 has events but no row
		people = append(people, event.Person{OrgID: "o", IndvID: event.IndvID(i),
			Email: email(i), Created: start, Updated: start,
			Props: event.Props{"plan_str": json.RawMessage(fmt.Sprintf("%q", fmt.Sprint("plan", i)))}})
	}
	if err := db.SavePeople(ctx, people); err != nil {
		t.Fatal(err)
	}
	var recs []event.Record
	for i := range 120 {
		// Out of time order on purpose, ties included.
		at := start.Add(time.Duration((i*37)%50) * 7 * time.Minute)
		r := rec(fmt.Sprintf("e%03d", i), at, fmt.Sprint("t", i))
		// People change with time, so each span of windows has others;
		// 6 and 7 have no row, and some events no person at all.
		indv := int64((i*37)%50/8 + 1)
		r.Values["IndvId"] = indv
		if i%7 == 6 {
			delete(r.Values, "IndvId")
		} else if indv%2 == 0 {
			inSegment++
		}
		recs = append(recs, r)
	}
	if _, err := db.AppendEvents(ctx, "o", recs); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"EventId", "UserEmail", "EventStart", "IndvId", "EventTargetText", "UserAppKey"} {
		c, _ := event.LookupEventColumn(name)
		cols = append(cols, store.OutputColumn{Name: name, Kind: c.Kind, Column: &c})
	}
	plan, _ := event.ParsePropKey("plan_str")
	cols = append(cols, store.OutputColumn{Name: "user_plan_str", Kind: event.KindString,
		Prop: &event.PropColumn{Scope: event.ScopeUser, Key: plan}})
	return cols, inSegment
}

// TestWindowedParquetKeepsValues exports across many windows into
// Parquet. A window's memory is read into again once its rows are handed
// on, while the Parquet writer holds rows (here all of them) until it
// writes a batch, so it must keep copies: read back, the file has the
// rows of one sorted, joined query.
func TestWindowedParquetKeepsValues(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	fixWindowRows(t, 2)
	cols, _ := seedPeopleOverTime(t, db)
	fields := make([]encode.Field, len(cols))
	for i, c := range cols {
		fields[i] = encode.Field{Name: c.Name, Kind: c.Kind}
	}
	readBack := func(q store.ExportQuery) []string {
		path := filepath.Join(t.TempDir(), "export.parquet")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		w, err := encode.NewWriter(f, encode.FormatParquet, fields, encode.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.ExportEvents(ctx, q, w.Write); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		rows, err := db.SQL().QueryContext(ctx, "SELECT * FROM read_parquet(?)", path)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(vals...))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	q := store.ExportQuery{Org: "o", Columns: cols}
	windowed := readBack(q)
	q.Limit = 1000 // one sorted query with the join in SQL
	whole := readBack(q)
	if len(windowed) != 120 || len(whole) != 120 {
		t.Fatalf("windowed file has %d rows, one query's %d; want 120", len(windowed), len(whole))
	}
	for i := range whole {
		if windowed[i] != whole[i] {
			t.Fatalf("row %d: windowed %q, one query %q", i, windowed[i], whole[i])
		}
	}
}
