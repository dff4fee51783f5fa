package duckdb

import (
	"fmt"
	"strings"

	"github.com/duckdb/duckdb-go/v2/mapping"

	"github.com/backstory-dev/backstory/internal/event"
)

// sqlType is the DuckDB type of a column kind, as the schema names it.
func sqlType(k event.Kind) string {
	switch storedType(k) {
	case mapping.TypeBigInt:
		return "BIGINT"
	case mapping.TypeDouble:
		return "DOUBLE"
	case mapping.TypeTimestamp:
		return "TIMESTAMP"
	}
	return "VARCHAR"
}

// storedType is the DuckDB type a column kind is stored as.
func storedType(k event.Kind) mapping.Type {
	switch k {
	case event.KindInt, event.KindFlag:
		return mapping.TypeBigInt
	case event.KindFloat:
		return mapping.TypeDouble
	case event.KindTime:
		return mapping.TypeTimestamp
	}
	return mapping.TypeVarchar
}

// eventsDDL creates the events table from the column catalog: one wide,
// denormalised row per event, which is what a columnar engine scans best.
// Custom properties live in two JSON text columns keyed by typed name.
func eventsDDL() string {
	var b strings.Builder
	b.WriteString("CREATE TABLE IF NOT EXISTS events (\n  org_id VARCHAR NOT NULL")
	for _, c := range event.StoredEventColumns() {
		fmt.Fprintf(&b, ",\n  %s %s", c.DB, sqlType(c.Kind))
	}
	b.WriteString(",\n  evt_props VARCHAR,\n  page_props VARCHAR\n)")
	return b.String()
}

// Schema is applied in order at open; every statement is idempotent.
func Schema() []string {
	return []string{
		eventsDDL(),
		`CREATE TABLE IF NOT EXISTS people (
  org_id VARCHAR NOT NULL,
  indv_id BIGINT NOT NULL,
  uid VARCHAR,
  display_name VARCHAR,
  email VARCHAR,
  created TIMESTAMP,
  updated TIMESTAMP NOT NULL,
  props VARCHAR NOT NULL DEFAULT '{}',
  PRIMARY KEY (org_id, indv_id)
)`,
		// A device (UserId) belongs to one person; identify moves it.
		`CREATE TABLE IF NOT EXISTS devices (
  org_id VARCHAR NOT NULL,
  user_id BIGINT NOT NULL,
  device_key VARCHAR,
  indv_id BIGINT NOT NULL,
  -- where the device's current session and page stand, so the next
  -- event can be placed in them or start new ones
  session_id BIGINT,
  session_start TIMESTAMP,
  page_id BIGINT,
  page_start TIMESTAMP,
  page_url VARCHAR,
  last_event TIMESTAMP,
  PRIMARY KEY (org_id, user_id)
)`,
		// Point lookups by device key and by uid (every browser batch, every
		// identify) would otherwise scan the tables.
		`CREATE INDEX IF NOT EXISTS devices_by_key ON devices (org_id, device_key)`,
		`CREATE INDEX IF NOT EXISTS people_by_uid ON people (org_id, uid)`,
		// Every custom property key seen, for wildcards and pickers.
		`CREATE TABLE IF NOT EXISTS prop_keys (
  org_id VARCHAR NOT NULL,
  scope VARCHAR NOT NULL,
  key VARCHAR NOT NULL,
  PRIMARY KEY (org_id, scope, key)
)`,
	}
}
