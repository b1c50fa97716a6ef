package store

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultSchema is the schema of a PostgreSQL state store whose URL names
// none.
const DefaultSchema = "public"

var schemaName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// openPostgres opens the state store in a schema of a PostgreSQL database:
// postgres://USER:PASSWORD@HOST:PORT/DATABASE?schema=NAME&sslmode=...
func openPostgres(ctx context.Context, raw string, opts []Option) (*Store, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("state URL %s: %v", RedactURL(raw), redactErr(err, raw))
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("state URL %s: its query: %v", RedactURL(raw), err)
	}
	schema := q.Get("schema")
	if schema == "" {
		schema = DefaultSchema
	}
	if !schemaName.MatchString(schema) {
		return nil, fmt.Errorf("state URL %s: schema %q is not a plain PostgreSQL name (letters, digits and _, at most 63)", RedactURL(raw), schema)
	}
	q.Del("schema")
	u.RawQuery = q.Encode()
	cfg, err := pgxpool.ParseConfig(u.String())
	if err != nil {
		return nil, fmt.Errorf("state URL %s: %v; write postgres://USER:PASSWORD@HOST:PORT/DATABASE?schema=NAME", RedactURL(raw), redactErr(err, raw))
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err == nil {
		err = pool.Ping(ctx)
	}
	if err == nil {
		err = createPGTable(ctx, pool, schema)
	}
	if err != nil {
		if pool != nil {
			pool.Close()
		}
		return nil, fmt.Errorf("cannot connect to PostgreSQL: %v; check the URL and that the server is up", redactErr(err, raw))
	}
	s := newStore(newPGBucket(pool, schema), RedactURL(raw), opts)
	s.sessions = &pgSessions{pool: pool, schema: schema}
	return s, nil
}

// createPGTable creates the schema and the objects table unless they
// exist, one process at a time.
func createPGTable(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	key := advisoryKey("setup", schema)
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, key); err != nil {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, key)
	id := pgx.Identifier{schema}.Sanitize()
	if _, err := conn.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+id); err != nil {
		return err
	}
	_, err = conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+id+`.mltf_state_objects (
		key      TEXT PRIMARY KEY,
		data     BYTEA NOT NULL,
		modified TIMESTAMPTZ NOT NULL
	)`)
	return err
}

// advisoryKey is the advisory lock key of name in schema: 64 bits of a
// hash, so that workspaces of different schemas (and other applications'
// small integer keys) never share one.
func advisoryKey(what, schema string, name ...string) int64 {
	h := sha256.New()
	fmt.Fprintf(h, "mltf-state\x00%s\x00%s", what, schema)
	for _, n := range name {
		fmt.Fprintf(h, "\x00%s", n)
	}
	return int64(binary.BigEndian.Uint64(h.Sum(nil)))
}

// sessionLocks ties a state lock to the life of its holder: on
// PostgreSQL, a session-level advisory lock held on a connection of its
// own, which the server releases when the holder's process dies.
type sessionLocks interface {
	// try takes the session lock of ws; ok is false when another session
	// holds it. session identifies the holding session.
	try(ctx context.Context, ws string) (release func(), session int, ok bool, err error)
	// terminate ends session when it still holds the lock of ws (a
	// holder that hangs), and waits for the lock to be free.
	terminate(ctx context.Context, ws string, session int) error
}

type pgSessions struct {
	pool   *pgxpool.Pool
	schema string
}

func (p *pgSessions) key(ws string) int64 { return advisoryKey("workspace", p.schema, ws) }

func (p *pgSessions) try(ctx context.Context, ws string) (func(), int, bool, error) {
	conn, err := p.pool.Acquire(ctx)
	if err != nil {
		return nil, 0, false, err
	}
	var (
		ok  bool
		pid int
	)
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1), pg_backend_pid()`, p.key(ws)).Scan(&ok, &pid); err != nil {
		conn.Release()
		return nil, 0, false, err
	}
	if !ok {
		conn.Release()
		return nil, 0, false, nil
	}
	release := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, p.key(ws)); err != nil {
			// The session may be gone already: close it rather than
			// return it to the pool still holding the lock.
			conn.Conn().Close(ctx)
		}
		conn.Release()
	}
	return release, pid, true, nil
}

func (p *pgSessions) terminate(ctx context.Context, ws string, session int) error {
	k := uint64(p.key(ws))
	// A bigint advisory key shows in pg_locks as classid (high 32 bits),
	// objid (low 32 bits) and objsubid 1.
	_, err := p.pool.Exec(ctx, `SELECT pg_terminate_backend(pid, 10000) FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND pid = $1 AND classid = $2 AND objid = $3 AND objsubid = 1`,
		session, uint32(k>>32), uint32(k))
	return err
}

// RedactURL hides the password of a URL, for messages.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// redactErr is err's message without the password of raw.
func redactErr(err error, raw string) string {
	msg := err.Error()
	if u, perr := url.Parse(raw); perr == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
	}
	return msg
}
