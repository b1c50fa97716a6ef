package tracking

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// DefaultPath is where the SQLite tracking database lives, relative to
// the working directory, when the URL names no path.
const DefaultPath = ".mltf/tracking.db"

// ErrNotFound is wrapped by errors about an experiment or run that does not
// exist.
var ErrNotFound = errors.New("not found")

// Store is an open tracking database. It is safe for concurrent use, also
// by several processes on one SQLite file.
type Store struct {
	db      *sql.DB
	where   string // for messages
	dialect dialect
	// writing makes this process's SQLite writers take turns here, where
	// the next one starts as soon as the last one commits, rather than in
	// SQLite's busy handler, which sleeps 1, 2, 5, ... up to 100 ms between
	// tries (other processes' writers still meet there).
	writing sync.Mutex
}

// Open opens the tracking store at url and brings its schema up to date:
//
//   - sqlite://PATH: a SQLite file, relative to workDir unless absolute
//     (sqlite://.mltf/tracking.db, sqlite:///srv/mltf/tracking.db);
//     sqlite:// or "" alone is .mltf/tracking.db. Its directory is created.
//   - postgres://USER:PASSWORD@HOST:PORT/DATABASE?PARAMS (or postgresql://):
//     a PostgreSQL database through pgx; the parameters are libpq's
//     (sslmode, ...) and run-time settings such as search_path=SCHEMA to
//     keep the tables in a schema of a shared database. PGPASSWORD and the
//     other PG* variables fill what the URL leaves out.
func Open(ctx context.Context, url string, workDir string) (*Store, error) {
	scheme, rest, ok := strings.Cut(url, "://")
	if url == "" {
		scheme, ok = "sqlite", true
	}
	if !ok {
		return nil, fmt.Errorf("tracking URL %q has no scheme: use sqlite://PATH, e.g. sqlite://%s, or postgres://USER@HOST/DATABASE", url, DefaultPath)
	}
	switch scheme {
	case "sqlite":
		return openSQLite(ctx, rest, workDir)
	case "postgres", "postgresql":
		return openPostgres(ctx, url)
	default:
		return nil, fmt.Errorf("tracking URL %q: unknown scheme %q; use sqlite://PATH or postgres://USER@HOST/DATABASE", redact(url), scheme)
	}
}

func openSQLite(ctx context.Context, path, workDir string) (*Store, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("tracking URL sqlite://%s: SQLite URLs take no query parameters; write sqlite://PATH", path)
	}
	if path == "" {
		path = DefaultPath
	}
	path = filepath.FromSlash(path)
	if !filepath.IsAbs(path) {
		if workDir == "" {
			wd, err := os.Getwd()
			if err != nil {
				return nil, err
			}
			workDir = wd
		}
		path = filepath.Join(workDir, path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		return nil, fmt.Errorf("cannot create the directory of the tracking database %s: %w", path, err)
	}
	// WAL lets readers run beside the writer; synchronous=NORMAL is
	// durable at every checkpoint and safe against corruption; writers
	// take the write lock when their transaction begins (immediate) and
	// wait for each other up to busy_timeout instead of failing. SQLite's
	// busy handler polls, so a process whose goroutines take the lock back
	// to back can keep another waiting for seconds on a loaded machine (a
	// CI run under the race detector saw more than 10 s): a minute is what
	// a writer waits before it fails.
	dsn := path + "?_pragma=busy_timeout(60000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("cannot open the tracking database %s: %w", path, err)
	}
	db.SetMaxIdleConns(poolSize)
	s := &Store{db: db, where: path, dialect: sqliteDialect}
	// Several processes (each provider plugin of one apply) may open a new
	// database at the same moment: while one switches it to WAL or
	// migrates it, the others can get SQLITE_BUSY before busy_timeout
	// applies. Those are retried with backoff for a while.
	start := time.Now()
	for wait := 20 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		err = db.PingContext(ctx)
		if err != nil {
			err = fmt.Errorf("cannot open the tracking database %s: %w; check the tracking URL", path, err)
		} else if err = s.migrate(ctx); err != nil {
			err = fmt.Errorf("tracking database %s: %w; check the tracking URL", path, err)
		}
		if err == nil {
			return s, nil
		}
		if !isBusy(err) || time.Since(start) > 20*time.Second || ctx.Err() != nil {
			db.Close()
			return nil, err
		}
		time.Sleep(wait)
	}
}

// isBusy reports whether err is SQLite's "database is locked".
func isBusy(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "database is locked")
}

// Close closes the database. On SQLite it first checkpoints the
// write-ahead log into the database and truncates it: SQLite removes the
// log when the file's last connection closes, but not while another
// process (mltf server, another apply) keeps the file open, and then the
// log keeps the size of the most it ever held.
func (s *Store) Close() error {
	if s.dialect.name == sqliteDialect.name {
		s.checkpoint()
	}
	return s.db.Close()
}

// checkpointWait bounds how long Close waits for other processes' readers
// and writers to let the checkpoint through.
const checkpointWait = time.Second

// checkpoint copies the write-ahead log into the database and truncates
// it (wal_checkpoint(TRUNCATE)). It is safe beside other processes: it
// takes SQLite's checkpoint lock, waits for their writers and for their
// readers of the log, and does nothing when they keep it busy for longer
// than checkpointWait; the log then stays for the next close, or SQLite's
// own checkpoints.
func (s *Store) checkpoint() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*checkpointWait)
	defer cancel()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA busy_timeout = %d`, checkpointWait.Milliseconds())); err != nil {
		return
	}
	var busy, logged, done int
	_ = conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logged, &done)
}

// Path returns where the database is, for messages.
func (s *Store) Path() string { return s.where }

// redact hides a password in a URL.
func redact(url string) string {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		return url
	}
	userinfo, host, ok := strings.Cut(rest, "@")
	if !ok {
		return url
	}
	if user, _, hasPass := strings.Cut(userinfo, ":"); hasPass {
		return scheme + "://" + user + ":xxxxx@" + host
	}
	return url
}

// dialect holds what differs between databases.
type dialect struct {
	name string
	// numbered placeholders ($1, $2) instead of ?
	numbered bool
	// maxParams bounds the parameters of one statement.
	maxParams int
	// serialize is run first in every writing transaction, to make
	// writers take turns as SQLite's immediate transactions do.
	serialize string
}

var sqliteDialect = dialect{name: "sqlite", maxParams: 32766}

// q rewrites a query written with ? placeholders for the dialect.
func (d dialect) q(query string) string {
	if !d.numbered {
		return query
	}
	b := make([]byte, 0, len(query)+16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b = append(b, '$')
			b = strconv.AppendInt(b, int64(n), 10)
			continue
		}
		b = append(b, query[i])
	}
	return string(b)
}

// poolSize is how many connections a store keeps open for reuse: enough
// for a server's concurrent requests, whose connections would otherwise
// be closed and opened again (database/sql keeps 2), which costs a
// PostgreSQL server a new process each time.
const poolSize = 32
