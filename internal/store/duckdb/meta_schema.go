package duckdb

// metaSchema creates the metadata tables: orgs, keys, segments,
// operations, batch jobs and idempotency records.
func metaSchema() []string {
	return []string{
		`CREATE TABLE IF NOT EXISTS orgs (
  id VARCHAR PRIMARY KEY,
  name VARCHAR NOT NULL,
  created TIMESTAMP NOT NULL
)`,
		`CREATE TABLE IF NOT EXISTS api_keys (
  id VARCHAR PRIMARY KEY,
  org_id VARCHAR NOT NULL,
  role VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  hash BLOB NOT NULL,
  last_four VARCHAR NOT NULL,
  created TIMESTAMP NOT NULL,
  revoked BOOLEAN NOT NULL DEFAULT false
)`,
		`CREATE TABLE IF NOT EXISTS segments (
  id VARCHAR NOT NULL,
  org_id VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  creator VARCHAR NOT NULL,
  definition VARCHAR NOT NULL,
  starred BOOLEAN NOT NULL DEFAULT false,
  created TIMESTAMP NOT NULL,
  updated TIMESTAMP NOT NULL,
  PRIMARY KEY (org_id, id)
)`,
		`CREATE TABLE IF NOT EXISTS operations (
  id VARCHAR PRIMARY KEY,
  org_id VARCHAR NOT NULL,
  type VARCHAR NOT NULL,
  state VARCHAR NOT NULL,
  pct INTEGER NOT NULL DEFAULT 0,
  error VARCHAR NOT NULL DEFAULT '',
  request VARCHAR NOT NULL,
  created TIMESTAMP NOT NULL,
  finished TIMESTAMP,
  export_id VARCHAR NOT NULL DEFAULT '',
  expires TIMESTAMP,
  rows BIGINT NOT NULL DEFAULT 0,
  bytes BIGINT NOT NULL DEFAULT 0,
  sha256 VARCHAR NOT NULL DEFAULT '',
  file_name VARCHAR NOT NULL DEFAULT '',
  content_type VARCHAR NOT NULL DEFAULT '',
  attempts INTEGER NOT NULL DEFAULT 0,
  lease_until TIMESTAMP
)`,
		`CREATE TABLE IF NOT EXISTS batch_jobs (
  id VARCHAR PRIMARY KEY,
  org_id VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  status VARCHAR NOT NULL,
  created TIMESTAMP NOT NULL,
  finished TIMESTAMP,
  imports INTEGER NOT NULL DEFAULT 0,
  errors INTEGER NOT NULL DEFAULT 0,
  results VARCHAR NOT NULL DEFAULT '{}'
)`,
		// A job's results repeat its whole request; stored as zstd they
		// take a tenth of the space and of the commit's time.
		`ALTER TABLE batch_jobs ADD COLUMN IF NOT EXISTS results_zst BLOB`,
		`CREATE TABLE IF NOT EXISTS idempotency (
  org_id VARCHAR NOT NULL,
  key VARCHAR NOT NULL,
  body_hash VARCHAR NOT NULL,
  status INTEGER NOT NULL,
  response VARCHAR NOT NULL,
  created TIMESTAMP NOT NULL,
  PRIMARY KEY (org_id, key)
)`,
	}
}
