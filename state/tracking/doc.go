// Package tracking is the tracking store: experiments, runs (status,
// params, final metrics, artifact URI, git commit, fingerprint, timestamps),
// metric points, and the tables for model versions, alias history and
// dataset versions, in a database/sql database.
//
// SQLite (modernc.org/sqlite, no cgo) is the embedded default, PostgreSQL
// (pgx) the shared one. The SQL is the same for both (? placeholders
// rebound per dialect, ON CONFLICT upserts, BIGINT times in Unix
// milliseconds, JSON in TEXT columns); what differs (locking, COPY for
// metric points) is in postgres.go. The conformance suite in trackingtest
// runs on both. The schema is applied by versioned migrations
// recorded in schema_migrations, and documented in docs/state-format.md.
//
// It knows nothing of plans, providers or the state document.
package tracking
