// Package tracking is the tracking store: experiments, runs (status,
// params, final metrics, artifact URI, git commit, fingerprint, timestamps),
// metric points, and the tables for model versions, alias history and
// dataset versions, in a database/sql database.
//
// SQLite (modernc.org/sqlite, no cgo) is the embedded default; the SQL is
// kept portable (? placeholders rebound per dialect, ON CONFLICT upserts,
// BIGINT times in Unix milliseconds, JSON in TEXT columns) so that
// PostgreSQL can follow. The schema is applied by versioned migrations
// recorded in schema_migrations, and documented in docs/state-format.md.
//
// It knows nothing of plans, providers or the state document.
package tracking
