package store_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/mltf/mltf/internal/pgtest"
	"github.com/mltf/mltf/state"
	"github.com/mltf/mltf/state/store"
)

const childEnv = "MLTF_STORE_TEST_CHILD_URL"

// TestLockHeldByAnotherProcess runs an apply in a child process (this test
// binary again) that locks a store, writes its state, journals 100
// instances and is then killed with SIGKILL: this process sees the lock
// naming the child, and every journaled instance, before and after the
// kill, and then takes the lock over without force-unlock. On file:// the
// holder is known dead by its host and PID; on PostgreSQL by its session,
// which the server ends when the killed process's connection drops.
func TestLockHeldByAnotherProcess(t *testing.T) {
	if url := os.Getenv(childEnv); url != "" {
		holdLockAndJournal(url)
		return
	}
	t.Run("file", func(t *testing.T) { lockHeldByAnotherProcess(t, "file://"+t.TempDir()+"/state") })
	t.Run("postgres", func(t *testing.T) { lockHeldByAnotherProcess(t, pgtest.ServerURL(t)+"&schema=s_"+uuid.NewString()[:8]) })
}

func lockHeldByAnotherProcess(t *testing.T, url string) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHeldByAnotherProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+url)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "locked ") || strings.HasPrefix(sc.Text(), "error ") {
				lines <- sc.Text()
				return
			}
		}
		lines <- "error: the child process ended without locking"
	}()
	var id string
	select {
	case line := <-lines:
		var ok bool
		if id, ok = strings.CutPrefix(line, "locked "); !ok {
			t.Fatalf("child: %s", line)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("the child process did not lock within 2 minutes")
	}

	ctx := context.Background()
	s, err := store.Open(ctx, url, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkLocked := func(when string) {
		t.Helper()
		_, err := s.Lock(ctx, "default", "apply", 0)
		var locked *store.LockedError
		if !errors.As(err, &locked) {
			t.Fatalf("%s: Lock = %v, want a LockedError", when, err)
		}
		if locked.Info.Who != "child@test" || locked.Info.ID != id || locked.Stale {
			t.Errorf("%s: locked by %s with ID %s (stale %v), want child@test with ID %s", when, locked.Info.Who, locked.Info.ID, locked.Stale, id)
		}
	}
	checkState := func(when string) {
		t.Helper()
		st, err := s.Read(ctx, "default")
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		if st.Serial != 1 || len(st.Resources) != 101 {
			t.Errorf("%s: serial %d with %d resources; want serial 1 with the stored one and the 100 journaled", when, st.Serial, len(st.Resources))
		}
	}
	checkLocked("while the child runs")
	checkState("while the child runs")

	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	checkState("after the child was killed")

	// The holder is dead: its lock is abandoned and taken over without
	// force-unlock, at once on file://, once the server has noticed the
	// dropped connection on PostgreSQL.
	var l *store.Lock
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if l, err = s.Lock(ctx, "default", "apply", 0); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("Lock after the holder was killed: %v", err)
	}
	defer l.Unlock(ctx)
	st, err := s.Read(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, "default", st); err != nil {
		t.Fatal(err)
	}
	if st.Serial != 2 || len(st.Resources) != 101 {
		t.Errorf("recovered state written as serial %d with %d resources; want 2 and 101", st.Serial, len(st.Resources))
	}
}

// holdLockAndJournal is the child: it prints "locked <id>" once its
// journal is durable, then waits to be killed.
func holdLockAndJournal(url string) {
	fail := func(err error) {
		fmt.Printf("error %v\n", err)
		os.Exit(1)
	}
	ctx := context.Background()
	s, err := store.Open(ctx, url, "", store.WithWho("child@test"))
	if err != nil {
		fail(err)
	}
	l, err := s.Lock(ctx, "default", "apply", 0)
	if err != nil {
		fail(err)
	}
	st, err := s.Read(ctx, "default")
	if err != nil {
		fail(err)
	}
	st.SetInstance("experiment.e", "experiment", "e", "registry", "", &state.Instance{Status: state.Ready})
	if err := s.Write(ctx, "default", st); err != nil {
		fail(err)
	}
	j, err := s.Journal(ctx, "default", st)
	if err != nil {
		fail(err)
	}
	for i := range 100 {
		j.Record(fmt.Sprintf("training.t%d", i), "training", fmt.Sprintf("t%d", i), "local", "", &state.Instance{Status: state.Partial})
	}
	if err := j.Flush(ctx); err != nil {
		fail(err)
	}
	fmt.Printf("locked %s\n", l.Info().ID)
	select {}
}

// TestFileLockIsExclusiveAcrossBuckets races stores opened separately on
// one directory (as separate processes would) for the lock: exactly one
// wins each round.
func TestFileLockIsExclusiveAcrossBuckets(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var stores []*store.Store
	for range 8 {
		s, err := store.Open(ctx, "file://"+dir, "")
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores = append(stores, s)
	}
	for round := range 20 {
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			locks []*store.Lock
			start = make(chan struct{})
		)
		for _, s := range stores {
			wg.Go(func() {
				<-start
				l, err := s.Lock(ctx, "default", "apply", 0)
				if err == nil {
					mu.Lock()
					locks = append(locks, l)
					mu.Unlock()
				}
			})
		}
		close(start)
		wg.Wait()
		if len(locks) != 1 {
			t.Fatalf("round %d: %d stores got the lock, want exactly 1", round, len(locks))
		}
		if err := locks[0].Unlock(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	work := t.TempDir()
	tests := []struct {
		name, url, wantErr, wantURL string
	}{
		{name: "relative file path", url: "file://.mltf/state", wantURL: "file://" + work + "/.mltf/state"},
		{name: "absolute file path", url: "file://" + work + "/abs", wantURL: "file://" + work + "/abs"},
		{name: "memory", url: "mem://", wantURL: "mem://"},
		{name: "no scheme", url: ".mltf/state", wantErr: `state URL ".mltf/state" has no scheme: use file://PATH`},
		{name: "file with a query", url: "file://x?create_dir=1", wantErr: "file URLs take no query parameters"},
		{name: "empty file path", url: "file://", wantErr: "has no path"},
		{name: "unknown scheme", url: "ftp://host/x", wantErr: "cannot open the state store ftp://host/x"},
		{name: "postgres server down", url: "postgres://mltf:hunter2@127.0.0.1:1/state?connect_timeout=5", wantErr: "cannot connect to PostgreSQL: failed to connect to `user=mltf database=state`"},
		{name: "postgres schema not a name", url: "postgres://db/state?schema=team-a", wantErr: `schema "team-a" is not a plain PostgreSQL name`},
		{name: "unknown scheme lists the schemes", url: "ftp://db/state", wantErr: "state URLs are file://PATH, s3://BUCKET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := store.Open(ctx, tt.url, work)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Open(%q) error = %v, want one containing %q", tt.url, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if s.URL() != tt.wantURL {
				t.Errorf("URL() = %s, want %s", s.URL(), tt.wantURL)
			}
		})
	}
	if _, err := os.Stat(work + "/.mltf/state"); err != nil {
		t.Errorf("Open did not create the state directory: %v", err)
	}
}
