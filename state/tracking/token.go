package tracking

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Token is an API token of mltf server. Its secret is never stored: Hash
// is the hex SHA-256 of it.
type Token struct {
	ID      string
	Name    string
	Role    string
	Hash    string
	Created time.Time
	Revoked time.Time // zero while valid
}

const tokenColumns = `id, name, role, hash, created_ms, revoked_ms`

// CreateToken records t (ID, Role and Hash set).
func (s *Store) CreateToken(ctx context.Context, t Token) (Token, error) {
	if t.ID == "" || t.Role == "" || t.Hash == "" {
		return Token{}, errors.New("a token needs an ID, a role and a hash")
	}
	if t.Created.IsZero() {
		t.Created = now()
	}
	t.Created = truncate(t.Created)
	err := s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.dialect.q(`INSERT INTO api_tokens (`+tokenColumns+`) VALUES (?, ?, ?, ?, ?, NULL)`),
			t.ID, t.Name, t.Role, t.Hash, t.Created.UnixMilli())
		return err
	})
	if err != nil {
		return Token{}, fmt.Errorf("cannot record token %s: %w", t.ID, err)
	}
	return t, nil
}

// TokenByHash returns the token whose secret hashes to hash, revoked or
// not; ErrNotFound when there is none.
func (s *Store) TokenByHash(ctx context.Context, hash string) (Token, error) {
	return scanToken(s.db.QueryRowContext(ctx, s.dialect.q(`SELECT `+tokenColumns+` FROM api_tokens WHERE hash = ?`), hash))
}

// ListTokens returns every token, oldest first.
func (s *Store) ListTokens(ctx context.Context) ([]Token, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens ORDER BY created_ms, id`)
	if err != nil {
		return nil, fmt.Errorf("cannot list tokens: %w", err)
	}
	return scanRows(rows, scanToken)
}

// RevokeToken revokes token id; revoking a revoked token does nothing.
func (s *Store) RevokeToken(ctx context.Context, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.dialect.q(`SELECT COUNT(*) FROM api_tokens WHERE id = ?`), id).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("token %s: %w", id, ErrNotFound)
		}
		_, err := tx.ExecContext(ctx, s.dialect.q(`UPDATE api_tokens SET revoked_ms = ? WHERE id = ? AND revoked_ms IS NULL`), now().UnixMilli(), id)
		return err
	})
}

func scanToken(row scanner) (Token, error) {
	var (
		t                Token
		created, revoked sql.NullInt64
	)
	err := row.Scan(&t.ID, &t.Name, &t.Role, &t.Hash, &created, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, ErrNotFound
	}
	if err != nil {
		return Token{}, fmt.Errorf("cannot read a token: %w", err)
	}
	t.Created, t.Revoked = timeOf(created), timeOf(revoked)
	return t, nil
}
