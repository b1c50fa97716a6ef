package tracking

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// Advisory lock keys (the two-int form: a class for mltf's tracking
// tables, and the hash of the schema, so that stores in different schemas
// of one database never wait for each other).
const (
	pgWriteLock   = `SELECT pg_advisory_xact_lock(1835822182, hashtext(current_schema()))`
	pgMigrateLock = `SELECT pg_advisory_lock(1835822189, hashtext(current_schema()))`
	pgMigrateDone = `SELECT pg_advisory_unlock(1835822189, hashtext(current_schema()))`
)

var postgresDialect = dialect{name: "postgres", numbered: true, maxParams: 65535, serialize: pgWriteLock}

// openPostgres connects to the database of url and migrates it.
func openPostgres(ctx context.Context, url string) (*Store, error) {
	where := redact(url)
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("tracking URL %q: %v; write postgres://USER:PASSWORD@HOST:PORT/DATABASE", where, redactErr(err, url))
	}
	if _, set := cfg.RuntimeParams["synchronous_commit"]; !set {
		// As durable as SQLite's WAL with synchronous=NORMAL: a crash of
		// the database machine may lose the last commits, never corrupts.
		cfg.RuntimeParams["synchronous_commit"] = "off"
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxIdleConns(poolSize)
	s := &Store{db: db, where: where, dialect: postgresDialect}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot connect to the tracking database %s: %v; check the tracking URL and that the server is up", where, redactErr(err, url))
	}
	if err := s.migratePostgres(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("tracking database %s: %w", where, err)
	}
	return s, nil
}

// migratePostgres migrates under a session advisory lock, so that
// processes opening a new database at once create its tables one after
// the other (CREATE TABLE IF NOT EXISTS races in PostgreSQL).
func (s *Store) migratePostgres(ctx context.Context) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, pgMigrateLock); err != nil {
		return fmt.Errorf("cannot lock the schema for migration: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), pgMigrateDone)
	return s.migrate(ctx)
}

// redactErr is err's message without the password of url.
func redactErr(err error, url string) string {
	msg := err.Error()
	if cfg, perr := pgx.ParseConfig(url); perr == nil && cfg.Password != "" {
		msg = strings.ReplaceAll(msg, cfg.Password, "xxxxx")
	}
	return msg
}

// pgConn runs f on the pgx connection under one pooled connection.
func (s *Store) pgConn(ctx context.Context, f func(*pgx.Conn) error) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error { return f(dc.(*stdlib.Conn).Conn()) })
}

// logMetricsPostgres writes pts (each with a run ID and a name) at once.
// New steps, the usual case, are copied straight in (COPY, the fastest
// way in); a batch that logs a step again (after a restart from a
// checkpoint, or twice within the batch) fails that COPY on the primary
// key and goes through a temporary table and an upsert instead.
func (s *Store) logMetricsPostgres(ctx context.Context, pts []MetricPoint, runs []string) error {
	data := encodeCopy(pts, time.Now().UnixMilli())
	return s.pgConn(ctx, func(c *pgx.Conn) error {
		err := copyPoints(ctx, c, runs, data)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" { // unique_violation
			// One INSERT may not update a row twice.
			err = upsertPoints(ctx, c, runs, encodeCopy(lastPerStep(pts), time.Now().UnixMilli()))
		}
		return err
	})
}

const (
	copyPointsSQL   = `COPY metric_points (run_id, name, step, value, timestamp_ms) FROM STDIN (FORMAT binary)`
	copyPointsInSQL = `COPY metric_points_in (run_id, name, step, value, timestamp_ms) FROM STDIN (FORMAT binary)`
)

// copyPoints writes data, new points in COPY's binary format, in one COPY
// (atomic by itself) after one round trip that checks the runs.
func copyPoints(ctx context.Context, c *pgx.Conn, runs []string, data []byte) error {
	var found int
	if err := c.QueryRow(ctx, `SELECT COUNT(*) FROM runs WHERE id = ANY($1)`, runs).Scan(&found); err != nil {
		return fmt.Errorf("cannot log metrics: %w", err)
	}
	if found != len(runs) {
		return missingRun(ctx, c, runs)
	}
	_, err := c.PgConn().CopyFrom(ctx, bytes.NewReader(data), copyPointsSQL)
	return err // a unique violation (a step logged again): the caller upserts
}

// upsertPoints writes data (COPY's binary format, one point per run,
// metric and step) in a transaction, replacing the points already stored.
func upsertPoints(ctx context.Context, c *pgx.Conn, runs []string, data []byte) (err error) {
	var found int
	b := &pgx.Batch{}
	b.Queue(`BEGIN`)
	b.Queue(`SELECT COUNT(*) FROM runs WHERE id = ANY($1)`, runs).QueryRow(func(r pgx.Row) error { return r.Scan(&found) })
	b.Queue(`CREATE TEMPORARY TABLE IF NOT EXISTS metric_points_in (
		run_id TEXT, name TEXT, step BIGINT, value DOUBLE PRECISION, timestamp_ms BIGINT) ON COMMIT DELETE ROWS`)
	err = c.SendBatch(ctx, b).Close()
	defer func() {
		if err != nil {
			c.Exec(context.WithoutCancel(ctx), `ROLLBACK`)
		}
	}()
	if err != nil {
		return fmt.Errorf("cannot log metrics: %w", err)
	}
	if found != len(runs) {
		return missingRun(ctx, c, runs)
	}
	if _, err := c.PgConn().CopyFrom(ctx, bytes.NewReader(data), copyPointsInSQL); err != nil {
		return fmt.Errorf("cannot log metrics: %w", err)
	}
	if _, err := c.Exec(ctx, `INSERT INTO metric_points (run_id, name, step, value, timestamp_ms)
		SELECT run_id, name, step, value, timestamp_ms FROM metric_points_in
		ON CONFLICT (run_id, name, step) DO UPDATE SET value = excluded.value, timestamp_ms = excluded.timestamp_ms`); err != nil {
		return fmt.Errorf("cannot log metrics: %w", err)
	}
	if _, err := c.Exec(ctx, `COMMIT`); err != nil {
		return fmt.Errorf("cannot log metrics: %w", err)
	}
	return nil
}

// encodeCopy writes pts as the rows (run_id, name, step, value,
// timestamp_ms) of COPY's binary format: a NaN value is NULL, a zero Time
// is stamp. Written here rather than through pgx's CopyFrom, which boxes
// every field of every row: that was most of the client's CPU per point.
func encodeCopy(pts []MetricPoint, stamp int64) []byte {
	size := 19 + 2
	for _, p := range pts {
		size += 2 + 5*4 + len(p.RunID) + len(p.Name) + 3*8
	}
	b := make([]byte, 0, size)
	b = append(b, "PGCOPY\n\xff\r\n\x00"...)
	b = binary.BigEndian.AppendUint32(b, 0) // flags
	b = binary.BigEndian.AppendUint32(b, 0) // header extension length
	field8 := func(b []byte, v uint64) []byte {
		b = binary.BigEndian.AppendUint32(b, 8)
		return binary.BigEndian.AppendUint64(b, v)
	}
	for _, p := range pts {
		b = binary.BigEndian.AppendUint16(b, 5)
		b = binary.BigEndian.AppendUint32(b, uint32(len(p.RunID)))
		b = append(b, p.RunID...)
		b = binary.BigEndian.AppendUint32(b, uint32(len(p.Name)))
		b = append(b, p.Name...)
		b = field8(b, uint64(p.Step))
		if math.IsNaN(p.Value) {
			b = binary.BigEndian.AppendUint32(b, math.MaxUint32) // -1: NULL
		} else {
			b = field8(b, math.Float64bits(p.Value))
		}
		ts := stamp
		if !p.Time.IsZero() {
			ts = p.Time.UnixMilli()
		}
		b = field8(b, uint64(ts))
	}
	return binary.BigEndian.AppendUint16(b, math.MaxUint16) // -1: the end
}

// missingRun names the first run of runs that is not in the store.
func missingRun(ctx context.Context, c *pgx.Conn, runs []string) error {
	rows, err := c.Query(ctx, `SELECT id FROM runs WHERE id = ANY($1)`, runs)
	if err != nil {
		return err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, id := range runs {
		if !slices.Contains(ids, id) {
			return fmt.Errorf("cannot log metrics of run %s: %w", id, ErrNotFound)
		}
	}
	return errors.New("cannot log metrics: a run disappeared meanwhile")
}

// lastPerStep keeps the last point of each run, metric and step, in order.
func lastPerStep(pts []MetricPoint) []MetricPoint {
	type key struct {
		run, name string
		step      int64
	}
	last := make(map[key]int, len(pts))
	for i, p := range pts {
		last[key{p.RunID, p.Name, p.Step}] = i
	}
	if len(last) == len(pts) {
		return pts
	}
	out := make([]MetricPoint, 0, len(last))
	for i, p := range pts {
		if last[key{p.RunID, p.Name, p.Step}] == i {
			out = append(out, p)
		}
	}
	return out
}
