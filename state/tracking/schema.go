package tracking

import (
	"context"
	"database/sql"
)

// migration is one step of the schema. Applied migrations are recorded in
// schema_migrations and never edited: a change to the schema is a new
// migration at the end of the list.
type migration struct {
	version int64
	name    string
	stmts   []string
	// fill, when set, runs after stmts in the same transaction: data
	// moves SQL cannot write the same way in SQLite and PostgreSQL.
	fill func(ctx context.Context, s *Store, tx *sql.Tx) error
}

// Times are BIGINT Unix milliseconds (NULL: not yet), JSON documents are
// TEXT, booleans BOOLEAN: the same in SQLite and PostgreSQL.
var migrations = []migration{
	{1, "experiments, runs and metric points", []string{
		`CREATE TABLE experiments (
			id          TEXT PRIMARY KEY,
			name        TEXT NOT NULL,
			description TEXT NOT NULL DEFAULT '',
			tags        TEXT NOT NULL DEFAULT '{}',
			created_ms  BIGINT NOT NULL,
			deleted_ms  BIGINT
		)`,
		// One live experiment per name; deleted ones keep theirs.
		`CREATE UNIQUE INDEX experiments_live_name ON experiments (name) WHERE deleted_ms IS NULL`,
		`CREATE TABLE runs (
			id            TEXT PRIMARY KEY,
			experiment_id TEXT NOT NULL REFERENCES experiments (id),
			name          TEXT NOT NULL DEFAULT '',
			status        TEXT NOT NULL,
			fingerprint   TEXT NOT NULL DEFAULT '',
			git_commit    TEXT NOT NULL DEFAULT '',
			git_dirty     BOOLEAN NOT NULL DEFAULT FALSE,
			params        TEXT NOT NULL DEFAULT '{}',
			env           TEXT NOT NULL DEFAULT '{}',
			artifact_uri  TEXT NOT NULL DEFAULT '',
			metrics       TEXT NOT NULL DEFAULT '{}',
			restarts      TEXT NOT NULL DEFAULT '{}',
			started_ms    BIGINT,
			finished_ms   BIGINT,
			address       TEXT NOT NULL DEFAULT '',
			workspace     TEXT NOT NULL DEFAULT ''
		)`,
		`CREATE INDEX runs_experiment ON runs (experiment_id, started_ms)`,
		`CREATE INDEX runs_fingerprint ON runs (fingerprint, status, finished_ms)`,
		// One value per run, metric and step: a step logged again (after a
		// restart from a checkpoint) replaces it. NULL value: NaN.
		`CREATE TABLE metric_points (
			run_id       TEXT NOT NULL REFERENCES runs (id),
			name         TEXT NOT NULL,
			step         BIGINT NOT NULL,
			value        DOUBLE PRECISION,
			timestamp_ms BIGINT NOT NULL,
			PRIMARY KEY (run_id, name, step)
		)`,
	}, nil},
	{2, "model versions, alias history and dataset versions", []string{
		`CREATE TABLE model_versions (
			model        TEXT NOT NULL,
			version      BIGINT NOT NULL,
			run_id       TEXT REFERENCES runs (id),
			artifact_uri TEXT NOT NULL,
			content_hash TEXT NOT NULL,
			lineage      TEXT NOT NULL DEFAULT '{}',
			metrics      TEXT NOT NULL DEFAULT '{}',
			created_ms   BIGINT NOT NULL,
			PRIMARY KEY (model, version)
		)`,
		`CREATE INDEX model_versions_hash ON model_versions (model, content_hash)`,
		`CREATE INDEX model_versions_run ON model_versions (run_id)`,
		// Every move of an alias, in order (seq per model and alias); the
		// newest row is where the alias points. NULL from_version: the
		// alias was set for the first time; NULL to_version: removed.
		`CREATE TABLE alias_history (
			model         TEXT NOT NULL,
			alias         TEXT NOT NULL,
			seq           BIGINT NOT NULL,
			from_version  BIGINT,
			to_version    BIGINT,
			changed_ms    BIGINT NOT NULL,
			who           TEXT NOT NULL DEFAULT '',
			state_lineage TEXT NOT NULL DEFAULT '',
			state_serial  BIGINT,
			plan_serial   BIGINT,
			gates         TEXT NOT NULL DEFAULT '[]',
			PRIMARY KEY (model, alias, seq)
		)`,
		`CREATE TABLE dataset_versions (
			dataset     TEXT NOT NULL,
			version     BIGINT NOT NULL,
			fingerprint TEXT NOT NULL,
			stats       TEXT NOT NULL DEFAULT '{}',
			created_ms  BIGINT NOT NULL,
			PRIMARY KEY (dataset, version)
		)`,
		`CREATE INDEX dataset_versions_fingerprint ON dataset_versions (dataset, fingerprint)`,
	}, nil},
	{3, "final metric values by run, for search", []string{
		// The final value of each metric of each run, as in runs.metrics,
		// one row each so that a search filters and orders on an index.
		// NULL value: NaN.
		`CREATE TABLE run_metrics (
			run_id TEXT NOT NULL REFERENCES runs (id),
			name   TEXT NOT NULL,
			value  DOUBLE PRECISION,
			PRIMARY KEY (run_id, name)
		)`,
		`CREATE INDEX run_metrics_value ON run_metrics (name, value)`,
	}, fillRunMetrics},
	{4, "metric points checked per batch, not per point", []string{
		// Runs are never deleted, and LogMetrics checks that the runs of a
		// batch exist in the transaction that writes it: the foreign key
		// cost a lookup per point (half of PostgreSQL's ingest time).
		`CREATE TABLE metric_points_v4 (
			run_id       TEXT NOT NULL,
			name         TEXT NOT NULL,
			step         BIGINT NOT NULL,
			value        DOUBLE PRECISION,
			timestamp_ms BIGINT NOT NULL,
			PRIMARY KEY (run_id, name, step)
		)`,
		`INSERT INTO metric_points_v4 (run_id, name, step, value, timestamp_ms) SELECT run_id, name, step, value, timestamp_ms FROM metric_points`,
		`DROP TABLE metric_points`,
		`ALTER TABLE metric_points_v4 RENAME TO metric_points`,
	}, nil},
	{5, "run tags, registered models and API tokens", []string{
		// Free-form tags of a run (MLflow's run tags: mlflow.user,
		// mlflow.runName, a user's own).
		`CREATE TABLE run_tags (
			run_id TEXT NOT NULL,
			key    TEXT NOT NULL,
			value  TEXT NOT NULL,
			PRIMARY KEY (run_id, key)
		)`,
		// A model registered before it has versions, and what describes
		// it; a model with versions needs no row here.
		`CREATE TABLE registered_models (
			name        TEXT PRIMARY KEY,
			description TEXT NOT NULL DEFAULT '',
			tags        TEXT NOT NULL DEFAULT '{}',
			created_ms  BIGINT NOT NULL,
			updated_ms  BIGINT NOT NULL
		)`,
		// Tokens of mltf server: the SHA-256 of the secret, never the
		// secret. NULL revoked_ms: valid.
		`CREATE TABLE api_tokens (
			id         TEXT PRIMARY KEY,
			name       TEXT NOT NULL DEFAULT '',
			role       TEXT NOT NULL,
			hash       TEXT NOT NULL UNIQUE,
			created_ms BIGINT NOT NULL,
			revoked_ms BIGINT
		)`,
	}, nil},
	{6, "deleted runs and the pipeline runs of mltf server", []string{
		// A run deleted through the API (MLflow's runs/delete) keeps its
		// history; searches leave it out until it is restored. NULL: live.
		`ALTER TABLE runs ADD COLUMN deleted_ms BIGINT`,
		// Each POST /api/v1/pipelines/runs: the pipeline applied, with
		// which variable values (config, a JSON object), by whom, how it
		// ended and what the apply printed (output, a JSON array of
		// lines). updated_ms is when the applying server last wrote the
		// row: a running row it stopped writing was cut off.
		`CREATE TABLE pipeline_runs (
			id          TEXT PRIMARY KEY,
			pipeline_id TEXT NOT NULL,
			workspace   TEXT NOT NULL DEFAULT '',
			config      TEXT NOT NULL DEFAULT '{}',
			status      TEXT NOT NULL,
			error       TEXT NOT NULL DEFAULT '',
			who         TEXT NOT NULL DEFAULT '',
			output      TEXT NOT NULL DEFAULT '[]',
			started_ms  BIGINT NOT NULL,
			finished_ms BIGINT,
			updated_ms  BIGINT NOT NULL
		)`,
		`CREATE INDEX pipeline_runs_started ON pipeline_runs (started_ms)`,
	}, nil},
}
