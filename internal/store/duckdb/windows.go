package duckdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/backstory-dev/backstory/internal/store"
)

// An export reads one window of rows at a time (see windowrows.go) and
// holds two: the one being read and the one being handed to the encoder.
// The window's size is what bounds an export's memory beyond DuckDB's
// block cache (which grows to the memory limit on any large scan), and
// its per-window costs (planning, the people lookup) are what a smaller
// window pays more often. Measured here on 10,000,000 events and 66
// output columns, a serve process exporting CSV peaked at 501 MiB with a
// 16 MiB budget (85k rows/s) and 559 MiB with 32 MiB (106k rows/s), when
// every window took fresh memory; reusing it, 32 MiB peaks at the same
// 559 MiB at 270k rows/s, about 80 MB of it the two windows.
var (
	windowBudget int64 = 32 << 20
	bytesPerCell int64 = 25
	// minWindowRows and maxWindowRows keep a window worth a query.
	minWindowRows int64 = 2_000
	maxWindowRows int64 = 200_000
)

// windowRows is how many rows an export window of cols columns holds.
func windowRows(cols int) int64 {
	n := windowBudget / (bytesPerCell * int64(max(cols, 1)))
	return min(max(n, minWindowRows), maxWindowRows)
}

// window is a half-open span of EventStart; zero ends are unbounded.
type window struct{ start, end time.Time }

// exportWindows splits an export's time range into windows of about
// windowRows rows each, and counts the export's rows. Windows are cut on
// minute boundaries, so that no instant falls in two of them and the
// windows, in order, keep the rows in order; a single minute holding more
// rows than a window is one window.
func exportWindows(ctx context.Context, c *chunkConn, q store.ExportQuery) ([]window, int64, error) {
	limit := windowRows(len(q.Columns))
	var s sqlBuilder
	s.add("SELECT date_trunc('minute', e.event_start) AS h, count(*) FROM events e")
	s.where(q)
	s.add(" GROUP BY h ORDER BY h")
	var total int64
	out := []window{{start: q.Start}}
	var inWindow int64
	err := c.query(ctx, s.b.String(), s.args, func(ch *chunk) error {
		minute, count := &ch.cols[0], &ch.cols[1]
		for r := range ch.rows {
			if minute.null(r) {
				return errors.New("an event has no EventStart")
			}
			h, n := time.UnixMicro(minute.int64(r)).UTC(), count.int64(r)
			total += n
			if inWindow > 0 && inWindow+n > limit && h.After(out[len(out)-1].start) {
				out[len(out)-1].end = h
				out = append(out, window{start: h})
				inWindow = 0
			}
			inWindow += n
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("plan export windows: %w", err)
	}
	out[len(out)-1].end = q.End
	return out, total, nil
}

// materializeMembers stores the export's member query in a temporary
// table on conn and points q at it, so that each window reads the members
// instead of evaluating the segment again. release drops the table.
func materializeMembers(ctx context.Context, exec execFunc, q *store.ExportQuery) (release func(), err error) {
	if q.People.SQL == "" {
		return func() {}, nil
	}
	name, release, err := materialize(ctx, exec, q.People)
	if err != nil {
		return nil, fmt.Errorf("work out the segment's members: %w", err)
	}
	q.People = store.Query{SQL: "SELECT indv_id FROM " + name}
	return release, nil
}

// materialize stores a query's rows in a temporary table of a fresh
// name on the connection exec runs on. release drops it.
func materialize(ctx context.Context, exec execFunc, q store.Query) (name string, release func(), err error) {
	var b [6]byte
	rand.Read(b[:])
	name = "tmp_" + hex.EncodeToString(b[:])
	if err := exec(ctx, "CREATE TEMP TABLE "+name+" AS "+q.SQL, q.Args...); err != nil {
		return "", nil, err
	}
	return name, func() {
		exec(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+name)
	}, nil
}

// execFunc runs a statement on a connection, as chunkConn.exec does.
type execFunc func(ctx context.Context, query string, args ...any) error

// sqlExec is the execFunc of a database/sql connection.
func sqlExec(conn *sql.Conn) execFunc {
	return func(ctx context.Context, query string, args ...any) error {
		_, err := conn.ExecContext(ctx, query, args...)
		return err
	}
}
