package tracking

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// RegisteredModel describes a model of the registry: a model block's, or
// one created through the server before it has versions.
type RegisteredModel struct {
	Name        string
	Description string
	Tags        map[string]string
	Created     time.Time
	Updated     time.Time
}

// CreateRegisteredModel records the model m.Name; it fails, wrapping
// ErrExists, when a model of that name is recorded or has versions.
func (s *Store) CreateRegisteredModel(ctx context.Context, m RegisteredModel) (RegisteredModel, error) {
	if !validModelName(m.Name) {
		return RegisteredModel{}, fmt.Errorf("%q cannot name a model: use letters, digits, '.', '_' and '-', starting with a letter or digit", m.Name)
	}
	if m.Created.IsZero() {
		m.Created = now()
	}
	m.Created = truncate(m.Created)
	m.Updated = m.Created
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.dialect.q(`SELECT (SELECT COUNT(*) FROM registered_models WHERE name = ?) + (SELECT COUNT(*) FROM model_versions WHERE model = ?)`),
			m.Name, m.Name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("model %s: %w", m.Name, ErrExists)
		}
		_, err := tx.ExecContext(ctx, s.dialect.q(`INSERT INTO registered_models (name, description, tags, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?)`),
			m.Name, m.Description, encodeStrings(m.Tags), m.Created.UnixMilli(), m.Updated.UnixMilli())
		return err
	})
	if err != nil {
		return RegisteredModel{}, err
	}
	return m, nil
}

// GetRegisteredModel returns the model name: its record, or for a model
// that only has versions, one made from them.
func (s *Store) GetRegisteredModel(ctx context.Context, name string) (RegisteredModel, error) {
	var (
		m                RegisteredModel
		tags             string
		created, updated sql.NullInt64
	)
	err := s.db.QueryRowContext(ctx, s.dialect.q(`SELECT name, description, tags, created_ms, updated_ms FROM registered_models WHERE name = ?`), name).
		Scan(&m.Name, &m.Description, &tags, &created, &updated)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		err = s.db.QueryRowContext(ctx, s.dialect.q(`SELECT MIN(created_ms), MAX(created_ms) FROM model_versions WHERE model = ?`), name).Scan(&created, &updated)
		if err != nil {
			return RegisteredModel{}, fmt.Errorf("cannot read model %s: %w", name, err)
		}
		if !created.Valid {
			return RegisteredModel{}, fmt.Errorf("model %s: %w", name, ErrNotFound)
		}
		m.Name = name
	case err != nil:
		return RegisteredModel{}, fmt.Errorf("cannot read model %s: %w", name, err)
	default:
		if m.Tags, err = decodeStrings(tags, "model "+name+" tags"); err != nil {
			return RegisteredModel{}, err
		}
		var latest sql.NullInt64
		if err := s.db.QueryRowContext(ctx, s.dialect.q(`SELECT MAX(created_ms) FROM model_versions WHERE model = ?`), name).Scan(&latest); err == nil && latest.Int64 > updated.Int64 {
			updated = latest
		}
	}
	m.Created, m.Updated = timeOf(created), timeOf(updated)
	return m, nil
}

// UpdateRegisteredModel sets the description and tags of model m.Name,
// recording it first when it only has versions.
func (s *Store) UpdateRegisteredModel(ctx context.Context, m RegisteredModel) error {
	cur, err := s.GetRegisteredModel(ctx, m.Name)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.dialect.q(`INSERT INTO registered_models (name, description, tags, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET description = excluded.description, tags = excluded.tags, updated_ms = excluded.updated_ms`),
			m.Name, m.Description, encodeStrings(m.Tags), cur.Created.UnixMilli(), now().UnixMilli())
		return err
	})
}

// RegisteredModelNames returns the names of every model, recorded or
// with versions, sorted.
func (s *Store) RegisteredModelNames(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name FROM registered_models UNION SELECT DISTINCT model FROM model_versions ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("cannot list models: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

func validModelName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || (i > 0 && (r == '.' || r == '_' || r == '-'))
		if !ok {
			return false
		}
	}
	return true
}
