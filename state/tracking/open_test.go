package tracking_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mltf/mltf/internal/pgtest"
	"github.com/mltf/mltf/state/tracking"
	"github.com/mltf/mltf/state/tracking/trackingtest"
)

var ctx = context.Background()

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestSQLite runs the conformance suite on SQLite files.
func TestSQLite(t *testing.T) {
	trackingtest.Run(t, func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "tracking.db") })
}

// TestPostgres runs the conformance suite on a PostgreSQL server, a fresh
// schema each time.
func TestPostgres(t *testing.T) {
	pgtest.ServerURL(t)
	trackingtest.Run(t, func(t *testing.T) string { return pgtest.URL(t) })
}

func wantErr(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error = %v, want one containing %q", err, want)
	}
}

func TestOpen(t *testing.T) {
	work := t.TempDir()
	abs := filepath.Join(t.TempDir(), "abs.db")
	tests := []struct {
		name, url, wantPath, wantErr string
	}{
		{name: "empty URL is the default file", url: "", wantPath: filepath.Join(work, ".mltf/tracking.db")},
		{name: "sqlite:// alone is the default file", url: "sqlite://", wantPath: filepath.Join(work, ".mltf/tracking.db")},
		{name: "relative path", url: "sqlite://sub/t.db", wantPath: filepath.Join(work, "sub/t.db")},
		{name: "absolute path", url: "sqlite://" + abs, wantPath: abs},
		{name: "postgres server down", url: "postgres://mltf:hunter2@127.0.0.1:1/mltf?connect_timeout=5", wantErr: `cannot connect to the tracking database postgres://mltf:xxxxx@127.0.0.1:1/mltf?connect_timeout=5: `},
		{name: "postgres URL invalid", url: "postgres://mltf:hunter2@db:port/mltf", wantErr: `tracking URL "postgres://mltf:xxxxx@db:port/mltf": `},
		{name: "unknown scheme", url: "mysql://db/x", wantErr: `unknown scheme "mysql"; use sqlite://PATH or postgres://USER@HOST/DATABASE`},
		{name: "no scheme", url: "tracking.db", wantErr: `tracking URL "tracking.db" has no scheme`},
		{name: "query parameters", url: "sqlite://t.db?_pragma=x", wantErr: "SQLite URLs take no query parameters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tracking.Open(ctx, tt.url, work)
			if tt.wantErr != "" {
				wantErr(t, err, tt.wantErr)
				if err != nil && strings.Contains(err.Error(), "hunter2") {
					t.Errorf("the error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if s.Path() != tt.wantPath {
				t.Errorf("Path() = %s, want %s", s.Path(), tt.wantPath)
			}
			if _, err := os.Stat(tt.wantPath); err != nil {
				t.Errorf("database file: %v", err)
			}
		})
	}
}

// rawDB opens the database file directly, to check what the store wrote.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestMigrations(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "t.db")
	for range 2 { // the second Open applies nothing
		s, err := tracking.Open(ctx, "sqlite://"+path, "")
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	db := rawDB(t, path)
	rows, err := db.Query(`SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	var versions []int64
	for rows.Next() {
		var v int64
		rows.Scan(&v)
		versions = append(versions, v)
	}
	rows.Close()
	if diff := cmp.Diff([]int64{1, 2, 3, 4, 5, 6}, versions); diff != "" {
		t.Errorf("applied migrations (-want +got):\n%s", diff)
	}
	if tracking.SchemaVersion() != 6 {
		t.Errorf("SchemaVersion() = %d, want 6", tracking.SchemaVersion())
	}

	var mode string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}

	tables := map[string]string{
		"experiments":      "id, name, description, tags, created_ms, deleted_ms",
		"runs":             "id, experiment_id, name, status, fingerprint, git_commit, git_dirty, params, env, artifact_uri, metrics, restarts, started_ms, finished_ms, address, workspace, deleted_ms",
		"metric_points":    "run_id, name, step, value, timestamp_ms",
		"model_versions":   "model, version, run_id, artifact_uri, content_hash, lineage, metrics, created_ms",
		"alias_history":    "model, alias, seq, from_version, to_version, changed_ms, who, state_lineage, state_serial, plan_serial, gates",
		"dataset_versions": "dataset, version, fingerprint, stats, created_ms",
		"run_metrics":      "run_id, name, value",
		"pipeline_runs":    "id, pipeline_id, workspace, config, status, error, who, output, started_ms, finished_ms, updated_ms",
	}
	for table, cols := range tables {
		t.Run(table, func(t *testing.T) {
			if _, err := db.Exec(`SELECT ` + cols + ` FROM ` + table + ` LIMIT 0`); err != nil {
				t.Errorf("table %s lacks columns: %v", table, err)
			}
		})
	}

	// A database migrated by a newer mltf is refused.
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, name, applied_ms) VALUES (99, 'future', 0)`); err != nil {
		t.Fatal(err)
	}
	_, err = tracking.Open(ctx, "sqlite://"+path, "")
	wantErr(t, err, "its schema is at version 99, newer than this mltf knows (6)")
}

func TestOpenNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("not a database\n", 100)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := tracking.Open(ctx, "sqlite://"+path, "")
	wantErr(t, err, path+": file is not a database")
	wantErr(t, err, "check the tracking URL")
}

// TestMigrationFillsRunMetrics opens a database made before run_metrics
// existed: the final metrics of its runs become searchable.
func TestMigrationFillsRunMetrics(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	s, err := tracking.Open(ctx, "sqlite://"+path, "")
	if err != nil {
		t.Fatal(err)
	}
	r := trackingtest.NewRun(t, s)
	r.Metrics = map[string]float64{"accuracy": 0.93}
	if err := s.UpdateRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	s.Close()
	db := rawDB(t, path)
	for _, stmt := range []string{`DROP TABLE run_metrics`, `DROP TABLE run_tags`, `DROP TABLE registered_models`, `DROP TABLE api_tokens`,
		`DROP TABLE pipeline_runs`, `ALTER TABLE runs DROP COLUMN deleted_ms`, `DELETE FROM schema_migrations WHERE version >= 3`} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	s, err = tracking.Open(ctx, "sqlite://"+path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	runs, err := s.ListRuns(ctx, tracking.RunFilter{Metrics: []tracking.MetricCondition{{Name: "accuracy", Op: ">", Value: 0.9}}})
	if err != nil || len(runs) != 1 || runs[0].ID != r.ID {
		t.Errorf("search after the migration = %d runs, %v; want run %s", len(runs), err, r.ID)
	}
}
