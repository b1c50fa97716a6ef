package tracking

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ErrAliasMoved is wrapped by MoveAlias errors when the alias no longer
// points where the caller expected: someone moved it meanwhile.
var ErrAliasMoved = errors.New("the alias moved meanwhile")

// AliasMove is one move of a model's alias, as recorded in the alias
// history. Version 0 means none: From 0 is an alias set for the first
// time, To 0 an alias removed, From == To a refused move (a gate kept the
// alias where it was).
type AliasMove struct {
	Model string
	Alias string
	Seq   int64 // 1, 2, ... per model and alias
	From  int64
	To    int64
	When  time.Time
	Who   string // user@host
	// StateLineage, StateSerial and PlanSerial identify the state (and
	// saved plan) of the apply that moved the alias, when known; 0: not
	// known.
	StateLineage string
	StateSerial  int64
	PlanSerial   int64
	// Gates is a JSON array of the gate results that allowed the move.
	Gates json.RawMessage
}

const aliasColumns = `model, alias, seq, from_version, to_version, changed_ms, who, state_lineage, state_serial, plan_serial, gates`

// Aliases returns where each alias of model points now (removed aliases
// are left out).
func (s *Store) Aliases(ctx context.Context, model string) (map[string]int64, error) {
	rows, err := s.db.QueryContext(ctx, s.dialect.q(`SELECT h.alias, h.to_version FROM alias_history h
		WHERE h.model = ? AND h.seq = (SELECT MAX(seq) FROM alias_history WHERE model = h.model AND alias = h.alias)`), model)
	if err != nil {
		return nil, fmt.Errorf("cannot read the aliases of model %s: %w", model, err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var alias string
		var to sql.NullInt64
		if err := rows.Scan(&alias, &to); err != nil {
			return nil, fmt.Errorf("cannot read the aliases of model %s: %w", model, err)
		}
		if to.Valid {
			out[alias] = to.Int64
		}
	}
	return out, rows.Err()
}

// MoveAlias moves m.Alias of m.Model from m.From to m.To and records the
// move. It fails, wrapping ErrAliasMoved, when the alias does not point at
// m.From now; and when version m.To does not exist. It returns the move
// as recorded (Seq and When set). A move with From == To records a
// refused move: a gate kept the alias where it was (see Gates).
func (s *Store) MoveAlias(ctx context.Context, m AliasMove) (AliasMove, error) {
	if m.Model == "" || m.Alias == "" {
		return AliasMove{}, errors.New("an alias move needs a model and an alias")
	}
	if m.When.IsZero() {
		m.When = now()
	}
	m.When = truncate(m.When)
	if len(m.Gates) == 0 {
		m.Gates = json.RawMessage("[]")
	}
	if !json.Valid(m.Gates) {
		return AliasMove{}, fmt.Errorf("alias %s of model %s: the gate results are not valid JSON", m.Alias, m.Model)
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var seq int64
		var cur sql.NullInt64
		err := tx.QueryRowContext(ctx, s.dialect.q(`SELECT seq, to_version FROM alias_history WHERE model = ? AND alias = ? ORDER BY seq DESC LIMIT 1`),
			m.Model, m.Alias).Scan(&seq, &cur)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("cannot read alias %s of model %s: %w", m.Alias, m.Model, err)
		}
		if cur.Int64 != m.From {
			return fmt.Errorf("alias %s of model %s points at %s, not %s: %w",
				m.Alias, m.Model, versionText(cur.Int64), versionText(m.From), ErrAliasMoved)
		}
		if m.To != 0 {
			var n int
			if err := tx.QueryRowContext(ctx, s.dialect.q(`SELECT COUNT(*) FROM model_versions WHERE model = ? AND version = ?`), m.Model, m.To).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("cannot move alias %s of model %s: version %d: %w", m.Alias, m.Model, m.To, ErrNotFound)
			}
		}
		m.Seq = seq + 1
		_, err = tx.ExecContext(ctx, s.dialect.q(`INSERT INTO alias_history (`+aliasColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			m.Model, m.Alias, m.Seq, nullVersion(m.From), nullVersion(m.To), m.When.UnixMilli(), m.Who, m.StateLineage,
			nullVersion(m.StateSerial), nullVersion(m.PlanSerial), string(m.Gates))
		if err != nil {
			return fmt.Errorf("cannot record the move of alias %s of model %s: %w", m.Alias, m.Model, err)
		}
		return nil
	})
	if err != nil {
		return AliasMove{}, err
	}
	return m, nil
}

// AliasHistory returns the moves of model's aliases (of alias alone when
// it is not ""), oldest first.
func (s *Store) AliasHistory(ctx context.Context, model, alias string) ([]AliasMove, error) {
	query := `SELECT ` + aliasColumns + ` FROM alias_history WHERE model = ?`
	args := []any{model}
	if alias != "" {
		query += ` AND alias = ?`
		args = append(args, alias)
	}
	query += ` ORDER BY changed_ms, alias, seq`
	rows, err := s.db.QueryContext(ctx, s.dialect.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("cannot read the alias history of model %s: %w", model, err)
	}
	defer rows.Close()
	var out []AliasMove
	for rows.Next() {
		var (
			m                                 AliasMove
			from, to, stateSerial, planSerial sql.NullInt64
			changed                           sql.NullInt64
			gates                             string
		)
		if err := rows.Scan(&m.Model, &m.Alias, &m.Seq, &from, &to, &changed, &m.Who, &m.StateLineage, &stateSerial, &planSerial, &gates); err != nil {
			return nil, fmt.Errorf("cannot read the alias history of model %s: %w", model, err)
		}
		m.From, m.To, m.StateSerial, m.PlanSerial = from.Int64, to.Int64, stateSerial.Int64, planSerial.Int64
		m.When = timeOf(changed)
		m.Gates = json.RawMessage(gates)
		out = append(out, m)
	}
	return out, rows.Err()
}

func nullVersion(v int64) sql.NullInt64 {
	if v == 0 {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: v, Valid: true}
}

func versionText(v int64) string {
	if v == 0 {
		return "no version"
	}
	return fmt.Sprintf("version %d", v)
}
