package tracking_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mltf/mltf/state/tracking"
)

var ctx = context.Background()

func open(t *testing.T) *tracking.Store {
	t.Helper()
	s, err := tracking.Open(ctx, "sqlite://tracking.db", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
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
		{name: "postgres", url: "postgres://mltf:hunter2@db:5432/mltf", wantErr: `tracking URL "postgres://mltf:xxxxx@db:5432/mltf": PostgreSQL tracking stores are not supported yet`},
		{name: "unknown scheme", url: "mysql://db/x", wantErr: `unknown scheme "mysql"; use sqlite://PATH`},
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
	if diff := cmp.Diff([]int64{1, 2}, versions); diff != "" {
		t.Errorf("applied migrations (-want +got):\n%s", diff)
	}
	if tracking.SchemaVersion() != 2 {
		t.Errorf("SchemaVersion() = %d, want 2", tracking.SchemaVersion())
	}

	var mode string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}

	tables := map[string]string{
		"experiments":      "id, name, description, tags, created_ms, deleted_ms",
		"runs":             "id, experiment_id, name, status, fingerprint, git_commit, git_dirty, params, env, artifact_uri, metrics, restarts, started_ms, finished_ms, address, workspace",
		"metric_points":    "run_id, name, step, value, timestamp_ms",
		"model_versions":   "model, version, run_id, artifact_uri, content_hash, lineage, metrics, created_ms",
		"alias_history":    "model, alias, seq, from_version, to_version, changed_ms, who, state_lineage, state_serial, plan_serial, gates",
		"dataset_versions": "dataset, version, fingerprint, stats, created_ms",
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
	wantErr(t, err, "its schema is at version 99, newer than this mltf knows (2)")
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
