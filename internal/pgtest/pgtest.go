// Package pgtest starts a real PostgreSQL server for tests: one server per
// test binary, in a temporary directory, reached over a Unix socket only
// (no TCP port to collide with), with a fresh schema for every caller.
//
// It uses Debian's postgresql binaries (initdb, pg_ctl) from
// /usr/lib/postgresql/*/bin, MLTF_PG_BIN, or PATH; tests are skipped, with
// a message saying so, only when those binaries are absent. As root the
// server runs as the unprivileged postgres user, which initdb requires.
//
// A test binary that uses it stops the server in TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
// and a watcher process stops it too when the test binary is killed.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"
)

// server is the one server of this test binary.
type server struct {
	once   sync.Once
	err    error
	absent bool // the binaries are not installed
	bin    string
	dir    string // data directory and socket directory
	runAs  *user.User
	admin  string // URL of the postgres database
}

var srv server

// Main runs the tests and stops the server if one was started.
func Main(m *testing.M) int {
	code := m.Run()
	srv.stop()
	return code
}

// URL returns the URL of a fresh, empty schema on the test server
// (search_path set to it), starting the server on the first call. It skips
// the test when PostgreSQL is not installed.
func URL(tb testing.TB) string {
	tb.Helper()
	base := ServerURL(tb)
	schema := "t_" + randomHex(6)
	conn, err := pgx.Connect(context.Background(), base)
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	return base + "&search_path=" + schema
}

// ServerURL returns the URL of the test server's postgres database,
// starting the server on the first call. It skips the test when
// PostgreSQL is not installed.
func ServerURL(tb testing.TB) string {
	tb.Helper()
	srv.once.Do(srv.start)
	if srv.absent {
		tb.Skipf("pgtest: %v; install Debian's postgresql package (scripts/setup.sh does) to run the PostgreSQL tests", srv.err)
	}
	if srv.err != nil {
		tb.Fatalf("pgtest: cannot start PostgreSQL: %v", srv.err)
	}
	return srv.admin
}

// findBin returns the directory holding initdb and pg_ctl.
func findBin() (string, error) {
	if dir := os.Getenv("MLTF_PG_BIN"); dir != "" {
		return dir, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	// Newest major version first.
	slices.SortFunc(dirs, func(a, b string) int { return majorOf(b) - majorOf(a) })
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "pg_ctl")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("pg_ctl"); err == nil {
			return filepath.Dir(p), nil
		}
	}
	return "", errors.New("the PostgreSQL server binaries (initdb, pg_ctl) are not installed: none in /usr/lib/postgresql/*/bin, MLTF_PG_BIN or PATH")
}

func majorOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

func (s *server) start() {
	s.bin, s.err = findBin()
	if s.err != nil {
		s.absent = true
		return
	}
	dir, err := os.MkdirTemp("", "mltf-pgtest-")
	if err != nil {
		s.err = err
		return
	}
	s.dir = dir
	if os.Geteuid() == 0 {
		// initdb refuses to run as root.
		u, err := user.Lookup("postgres")
		if err != nil {
			s.err = fmt.Errorf("running as root needs the postgres user (Debian's postgresql package creates it): %v", err)
			return
		}
		s.runAs = u
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			s.err = err
			return
		}
	}
	data := filepath.Join(dir, "data")
	if out, err := s.run("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync").CombinedOutput(); err != nil {
		s.err = fmt.Errorf("initdb: %v\n%s", err, out)
		return
	}
	opts := fmt.Sprintf("-c listen_addresses='' -c unix_socket_directories=%s -c max_connections=200 -c shared_buffers=64MB", dir)
	if out, err := s.run("pg_ctl", "-D", data, "-l", filepath.Join(dir, "log"), "-o", opts, "-w", "start").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		s.err = fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, log)
		return
	}
	s.watch(data)
	s.admin = "postgres://postgres@/postgres?host=" + dir + "&sslmode=disable"
}

// watch starts a process that stops the server once this test binary is
// gone, whether it returned from Main or was killed.
func (s *server) watch(data string) {
	stop := fmt.Sprintf("%s -D %s -m immediate stop", filepath.Join(s.bin, "pg_ctl"), data)
	if s.runAs != nil {
		stop = "runuser -u " + s.runAs.Username + " -- " + stop
	}
	script := fmt.Sprintf(`while kill -0 %d 2>/dev/null; do sleep 1; done; %s >/dev/null 2>&1; rm -rf %s`, os.Getpid(), stop, s.dir)
	cmd := exec.Command("sh", "-c", script)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if cmd.Start() == nil {
		go cmd.Wait()
	}
}

func (s *server) run(name string, args ...string) *exec.Cmd {
	path := filepath.Join(s.bin, name)
	if s.runAs != nil {
		return exec.Command("runuser", append([]string{"-u", s.runAs.Username, "--", path}, args...)...)
	}
	return exec.Command(path, args...)
}

func (s *server) stop() {
	if s.dir == "" || s.admin == "" {
		if s.dir != "" {
			os.RemoveAll(s.dir)
		}
		return
	}
	s.run("pg_ctl", "-D", filepath.Join(s.dir, "data"), "-m", "fast", "-w", "stop").Run()
	os.RemoveAll(s.dir)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
