package duckdb

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/backstory-dev/backstory/internal/event"
)

// AppendEvents stores recs, keeping the first copy of each EventId: the
// first in the batch, and never one already stored. A filter of the ids
// seen so far answers most of that without a query; only ids it may have
// seen are looked up. The rows go through a staging table into events in
// one transaction, so a batch is stored whole or not at all.
func (db *DB) AppendEvents(ctx context.Context, org event.OrgID, recs []event.Record) (int, error) {
	if len(recs) == 0 {
		return 0, nil
	}
	db.writeMu.Lock()
	defer db.writeMu.Unlock()

	seen, err := db.seenFor(ctx, org)
	if err != nil {
		return 0, err
	}
	fresh, ids, err := db.newEvents(ctx, org, seen, recs)
	if err != nil || len(fresh) == 0 {
		return 0, err
	}

	if db.appendConn == nil {
		if db.appendConn, err = db.chunkConn(); err != nil {
			return 0, fmt.Errorf("append events: %w", err)
		}
	}
	keys, err := appendRows(db.appendConn, org, fresh)
	if err != nil {
		// Start the next append on a fresh connection, whatever state
		// the failure left this one's transaction in.
		db.appendConn.close()
		db.appendConn = nil
		return 0, fmt.Errorf("append events: %w", err)
	}
	if err := db.savePropKeys(ctx, org, keys); err != nil {
		return 0, err
	}
	for _, id := range ids {
		seen.add(id)
	}
	return len(fresh), nil
}

// newEvents drops the records whose EventId repeats in the batch or is
// already stored, and returns the rest with their ids.
func (db *DB) newEvents(ctx context.Context, org event.OrgID, seen *seenFilter, recs []event.Record) ([]event.Record, []string, error) {
	inBatch := make(map[string]bool, len(recs))
	fresh := make([]event.Record, 0, len(recs))
	ids := make([]string, 0, len(recs))
	var maybe []string
	for i, r := range recs {
		id, _ := r.Values["EventId"].(string)
		if id == "" {
			return nil, nil, fmt.Errorf("record %d has no EventId", i)
		}
		if _, ok := r.Values["EventStart"].(time.Time); !ok {
			return nil, nil, fmt.Errorf("record %d has no EventStart", i)
		}
		if inBatch[id] {
			continue
		}
		inBatch[id] = true
		if seen.mayContain(id) {
			maybe = append(maybe, id)
		}
		fresh, ids = append(fresh, r), append(ids, id)
	}
	if len(maybe) == 0 {
		return fresh, ids, nil
	}
	stored, err := db.storedIDs(ctx, org, maybe)
	if err != nil || len(stored) == 0 {
		return fresh, ids, err
	}
	keep, keepIDs := fresh[:0], ids[:0]
	for i, r := range fresh {
		if !stored[ids[i]] {
			keep, keepIDs = append(keep, r), append(keepIDs, ids[i])
		}
	}
	return keep, keepIDs, nil
}

// storedIDs reports which of ids the org already has.
func (db *DB) storedIDs(ctx context.Context, org event.OrgID, ids []string) (map[string]bool, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT event_id FROM events
		WHERE org_id = ? AND event_id IN (SELECT unnest(?::VARCHAR[]))`, string(org), ids)
	if err != nil {
		return nil, fmt.Errorf("look up event ids: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("look up event ids: %w", err)
		}
		out[id] = true
	}
	return out, rows.Err()
}

// seenFor returns the org's filter of stored ids, reading them from the
// table the first time. The caller holds writeMu.
func (db *DB) seenFor(ctx context.Context, org event.OrgID) (*seenFilter, error) {
	if f, ok := db.seen[org]; ok {
		return f, nil
	}
	f := &seenFilter{}
	rows, err := db.sql.QueryContext(ctx, "SELECT event_id FROM events WHERE org_id = ?", string(org))
	if err != nil {
		return nil, fmt.Errorf("load event ids: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("load event ids: %w", err)
		}
		f.add(id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load event ids: %w", err)
	}
	if db.seen == nil {
		db.seen = map[event.OrgID]*seenFilter{}
	}
	db.seen[org] = f
	return f, nil
}

// appendRows appends records to the events table in one transaction and
// collects their property keys. A bad value stops the append before
// anything is committed, so a batch is stored whole or not at all.
func appendRows(cc *chunkConn, org event.OrgID, recs []event.Record) (map[event.PropScope]map[string]bool, error) {
	keys := map[event.PropScope]map[string]bool{}
	if err := cc.run("BEGIN TRANSACTION"); err != nil {
		return nil, err
	}
	app, err := newEventAppender(cc.conn)
	if err != nil {
		cc.run("ROLLBACK")
		return nil, err
	}
	last := len(tableColumn) + 1
	var buf []byte
	for i, r := range recs {
		err := app.set(0, string(org))
		for name, v := range r.Values {
			if err != nil {
				break
			}
			j, ok := tableColumn[name]
			if !ok {
				err = fmt.Errorf("no event column %q", name)
				break
			}
			if err = app.set(j, v); err != nil {
				err = fmt.Errorf("%s: %w", name, err)
			}
		}
		if err == nil && len(r.EventProps) > 0 {
			buf = appendPropsJSON(buf[:0], r.EventProps)
			err = app.set(last, string(buf))
		}
		if err == nil && len(r.PageProps) > 0 {
			buf = appendPropsJSON(buf[:0], r.PageProps)
			err = app.set(last+1, string(buf))
		}
		if err == nil {
			err = app.endRow()
		}
		if err != nil {
			app.abandon()
			cc.run("ROLLBACK")
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
		notePropKeys(keys, event.ScopeEvent, r.EventProps)
		notePropKeys(keys, event.ScopePage, r.PageProps)
	}
	if err := app.close(); err != nil {
		cc.run("ROLLBACK")
		return nil, err
	}
	return keys, cc.run("COMMIT")
}

// tableColumn is the place in the events table of each stored event
// column, by export name; org_id comes first.
var tableColumn = func() map[string]int {
	m := map[string]int{}
	for i, c := range event.StoredEventColumns() {
		m[c.Name] = i + 1
	}
	return m
}()

// appendPropsJSON appends props as the JSON object stored in the props
// columns, keys in order. The values are raw JSON already.
func appendPropsJSON(b []byte, p event.Props) []byte {
	names := make([]string, 0, len(p))
	for k := range p {
		names = append(names, k)
	}
	sort.Strings(names)
	b = append(b, '{')
	for i, k := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = event.AppendJSONString(b, k)
		b = append(b, ':')
		b = appendRawJSON(b, p[k])
	}
	return append(b, '}')
}

// appendRawJSON appends a raw JSON value as the props columns store it:
// lists and objects compacted, since a client may have spaced them out
// (a single string, number or literal is one token already).
func appendRawJSON(b []byte, raw json.RawMessage) []byte {
	raw = mendJSON(raw)
	if len(raw) > 0 && (raw[0] == '[' || raw[0] == '{') {
		out := bytes.NewBuffer(b)
		if json.Compact(out, raw) == nil {
			return out.Bytes()
		}
	}
	return append(b, raw...)
}

func notePropKeys(keys map[event.PropScope]map[string]bool, s event.PropScope, p event.Props) {
	if len(p) == 0 {
		return
	}
	if keys[s] == nil {
		keys[s] = map[string]bool{}
	}
	for k := range p {
		keys[s][k] = true
	}
}

// savePropKeys records the property keys of a batch not recorded yet,
// for wildcards and pickers.
func (db *DB) savePropKeys(ctx context.Context, org event.OrgID, keys map[event.PropScope]map[string]bool) error {
	left := 0
	for scope, set := range keys {
		for k := range set {
			if db.knownKeys[propKeyID{org, scope, k}] {
				delete(set, k)
			}
		}
		left += len(set)
	}
	if left == 0 {
		return nil
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save property keys: %w", err)
	}
	defer tx.Rollback()
	if err := insertPropKeys(ctx, tx, org, keys); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save property keys: %w", err)
	}
	if db.knownKeys == nil {
		db.knownKeys = map[propKeyID]bool{}
	}
	for scope, set := range keys {
		for k := range set {
			db.knownKeys[propKeyID{org, scope, k}] = true
		}
	}
	return nil
}

// propKeyID names a stored property key.
type propKeyID struct {
	org   event.OrgID
	scope event.PropScope
	key   string
}

// insertPropKeys records property keys in tx.
func insertPropKeys(ctx context.Context, tx *sql.Tx, org event.OrgID, keys map[event.PropScope]map[string]bool) error {
	for scope, set := range keys {
		names := make([]string, 0, len(set))
		for k := range set {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO prop_keys
				VALUES (?, ?, ?)`, string(org), string(scope), k)
			if err != nil {
				return fmt.Errorf("save property keys: %w", err)
			}
		}
	}
	return nil
}
