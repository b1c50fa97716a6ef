package tracking

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// SchemaVersion is the schema version this mltf brings databases to.
func SchemaVersion() int64 { return migrations[len(migrations)-1].version }

// migrate applies the migrations the database lacks, each in its own
// transaction. Processes opening the database at the same time wait for
// each other: each transaction takes the write lock first, and checks again
// what is applied.
func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    BIGINT PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_ms BIGINT NOT NULL
	)`); err != nil {
		return fmt.Errorf("cannot create schema_migrations: %w", err)
	}
	current, err := s.schemaVersion(ctx, s.db)
	if err != nil {
		return err
	}
	if latest := SchemaVersion(); current > latest {
		return fmt.Errorf("its schema is at version %d, newer than this mltf knows (%d): it was used by a newer mltf; upgrade mltf", current, latest)
	}
	for _, m := range migrations {
		if m.version <= current {
			continue
		}
		if err := s.apply(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) schemaVersion(ctx context.Context, q querier) (int64, error) {
	var v sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("cannot read the schema version: %w", err)
	}
	return v.Int64, nil
}

func (s *Store) apply(ctx context.Context, m migration) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.dialect.q(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), m.version).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil // another process applied it meanwhile
		}
		for _, stmt := range m.stmts {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
			}
		}
		if m.fill != nil {
			if err := m.fill(ctx, s, tx); err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
			}
		}
		_, err := tx.ExecContext(ctx, s.dialect.q(`INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?, ?, ?)`),
			m.version, m.name, time.Now().UnixMilli())
		return err
	})
}

// tx runs f in a transaction, committed when f returns nil; writers
// take turns (see dialect.serialize).
func (s *Store) tx(ctx context.Context, f func(*sql.Tx) error) error {
	if s.dialect.name == sqliteDialect.name {
		s.writing.Lock()
		defer s.writing.Unlock()
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if s.dialect.serialize != "" {
		if _, err := tx.ExecContext(ctx, s.dialect.serialize); err != nil {
			tx.Rollback()
			return err
		}
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
