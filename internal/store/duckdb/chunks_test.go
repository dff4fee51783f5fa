package duckdb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
)

// TestChunkExportMatchesDriver reads every event column, person column
// and property type through the windowed export, which takes values from
// DuckDB's vectors, and through the estimate's sample query, which takes
// them from the database/sql driver, and wants the same Go values of the
// same types in every row. The rows span several chunks of 2,048 and
// hold NULLs, strings both inlined (12 bytes or less) and not, and
// property values that do not parse as their type.
func TestChunkExportMatchesDriver(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	fixWindowRows(t, 3000)

	start := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	var people []event.Person
	for i := 1; i <= 40; i++ {
		p := event.Person{OrgID: "o", IndvID: event.IndvID(i), Created: start, Updated: start,
			Props: event.Props{"tier_int": json.RawMessage(fmt.Sprint(i))}}
		if i%3 != 0 {
			uid := fmt.Sprintf("user-%d-%s", i, strings.Repeat("x", i%20))
			p.UID = &uid
		}
		people = append(people, p)
	}
	if err := db.SavePeople(ctx, people); err != nil {
		t.Fatal(err)
	}

	const n = 5000
	var recs []event.Record
	for i := range n {
		at := start.Add(time.Duration(i) * 997 * time.Millisecond)
		text := any(strings.Repeat("é", i%16)) // 0 to 30 bytes
		if i%11 == 0 {
			text = nil
		}
		r := rec(fmt.Sprintf("e%05d", i), at, text)
		r.Values["IndvId"] = int64(i%45 + 1) // 41 to 45 have no person row
		r.Values["PageActiveDuration"] = int64(i * 13)
		r.Values["EventIsBot"] = int64(i % 2)
		if i%5 == 0 {
			delete(r.Values, "SessionId")
		}
		r.EventProps = event.Props{
			"qty_real":   json.RawMessage(fmt.Sprintf("%d.25", i)),
			"ok_bool":    json.RawMessage([]string{"true", "false", `"yes"`}[i%3]),
			"when_date":  json.RawMessage([]string{`"2024-05-01T10:00:00.123Z"`, `"not a date"`}[i%2]),
			"tags_strs":  json.RawMessage(`["a","b"]`),
			"count_int":  json.RawMessage(fmt.Sprint(i - 2500)),
			"label_str":  json.RawMessage(fmt.Sprintf("%q", strings.Repeat("label", i%4))),
			"absent_str": json.RawMessage("null"),
		}
		recs = append(recs, r)
	}
	if _, err := db.AppendEvents(ctx, "o", recs); err != nil {
		t.Fatal(err)
	}

	var cols []store.OutputColumn
	for _, c := range event.EventColumns {
		c := c
		cols = append(cols, store.OutputColumn{Name: c.Name, Kind: c.Kind, Column: &c})
	}
	for _, c := range event.StorageColumns {
		c := c
		cols = append(cols, store.OutputColumn{Name: c.Name, Kind: c.Kind, Column: &c})
	}
	for _, name := range []string{"evt_qty_real", "evt_ok_bool", "evt_when_date", "evt_tags_strs",
		"evt_count_int", "evt_label_str", "evt_absent_str", "user_tier_int"} {
		pc, ok := event.ParsePropColumn(name)
		if !ok {
			t.Fatalf("property column %q", name)
		}
		cols = append(cols, store.OutputColumn{Name: name, Kind: pc.Key.Type.Kind(), Prop: &pc})
	}

	collect := func(q store.ExportQuery) []string {
		var out []string
		err := db.ExportEvents(ctx, q, func(row []any) error {
			var b strings.Builder
			for i, v := range row {
				if raw, ok := v.([]byte); ok {
					v = "raw:" + string(raw)
				}
				fmt.Fprintf(&b, "%s=%#v ", cols[i].Name, v)
			}
			out = append(out, b.String())
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	q := store.ExportQuery{Org: "o", Columns: cols}
	chunked := collect(q)
	q.Limit = n + 1
	driver := collect(q)
	if len(chunked) != n || len(driver) != n {
		t.Fatalf("chunked export has %d rows, driver %d; want %d", len(chunked), len(driver), n)
	}
	for i := range driver {
		if chunked[i] != driver[i] {
			t.Fatalf("row %d:\nchunks %s\ndriver %s", i, chunked[i], driver[i])
		}
	}
}

func TestChunkConnBindsAndReports(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	c, err := db.chunkConn()
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()

	at := time.Date(2024, 5, 1, 10, 0, 0, 250_000, time.UTC)
	var got []string
	err = c.query(ctx, "SELECT ?::VARCHAR, ?::BIGINT, ?::BIGINT, ?::DOUBLE, ?::BOOLEAN, ?::TIMESTAMP, ?::VARCHAR IS NULL",
		[]any{"a long string, not inlined", int64(-7), 3, 2.5, true, at, nil}, func(ch *chunk) error {
			v := ch.cols
			got = append(got, v[0].str(0), fmt.Sprint(v[1].int64(0)), fmt.Sprint(v[2].int64(0)),
				fmt.Sprint(*(*float64)(v[3].data)), fmt.Sprint(*(*bool)(v[4].data)),
				time.UnixMicro(v[5].int64(0)).UTC().Format(time.RFC3339Nano), fmt.Sprint(*(*bool)(v[6].data)))
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	want := "a long string, not inlined|-7|3|2.5|true|2024-05-01T10:00:00.00025Z|true"
	if strings.Join(got, "|") != want {
		t.Errorf("bound values came back as %q, want %q", strings.Join(got, "|"), want)
	}

	if err := c.exec(ctx, "SELECT * FROM no_such_table"); err == nil || !strings.Contains(err.Error(), "no_such_table") {
		t.Errorf("a bad query's error = %v, want one naming the table", err)
	}
	if err := c.query(ctx, "SELECT ?", []any{struct{}{}}, nil); err == nil {
		t.Error("binding a struct succeeded")
	}

	// A query that fails after its first chunks have streamed reports
	// the failure; it does not end as if its rows were all read.
	rows := 0
	err = c.query(ctx, "SELECT CASE WHEN i < 3000000 THEN i ELSE error('failed midway') END"+
		" FROM range(6000000) t(i)", nil, func(ch *chunk) error { rows += ch.rows; return nil })
	if err == nil || !strings.Contains(err.Error(), "failed midway") {
		t.Errorf("a query failing midway: %d rows, error %v; want its error", rows, err)
	}

	// A cancelled context interrupts a long query and the connection
	// still answers afterwards.
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	err = c.exec(cctx, "SELECT count(*) FROM range(100000000000) a WHERE a.range % 7 = 3")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("cancelled query: %v, want the context's error", err)
	}
	var one int64
	if err := c.query(ctx, "SELECT 1::BIGINT", nil, func(ch *chunk) error { one = ch.cols[0].int64(0); return nil }); err != nil || one != 1 {
		t.Errorf("after an interrupt: %d, %v", one, err)
	}
}
