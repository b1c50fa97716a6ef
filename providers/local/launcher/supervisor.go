package launcher

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Protocol names the run directory's format (spec.json, status.json, the
// logs and metrics files) that a supervisor reads and writes. A separately
// built supervisor is used only when it reports the same protocol; change
// it whenever a change to those files would not be understood by the
// other side.
const Protocol = "mltf-run-dir/1"

// SupervisorMain runs the supervisor of the run directory args[0] until the
// run ends, and returns the process exit code. The mltf binary calls it for
// the hidden command "mltf internal-supervise RUNDIR"; Start starts that
// command detached.
func SupervisorMain(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: mltf-supervisor RUN_DIR (or mltf internal-supervise RUN_DIR)")
		return 2
	}
	dir, err := filepath.Abs(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	lock, err := lockRun(dir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mltf supervisor: %v\n", err)
		return 3
	}
	defer lock.Close()

	spec, err := readSpec(dir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mltf supervisor: cannot read the run's spec: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	signal.Ignore(syscall.SIGHUP, syscall.SIGPIPE)

	s, err := newSupervisor(dir, spec)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mltf supervisor: %v\n", err)
		return 2
	}
	defer s.close()
	if s.st.State.Terminal() {
		s.logf("run already ended (%s); nothing to do", s.st.State)
		return 0
	}
	s.run(ctx)
	if s.st.State == Failed {
		return 1
	}
	return 0
}

// lockRun takes the run's supervisor lock, which proves to other processes
// that a supervisor is alive.
func lockRun(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("another supervisor already runs %s", dir)
	}
	f.Truncate(0)
	fmt.Fprintf(f, "%d\n", os.Getpid())
	return f, nil
}

type supervisor struct {
	dir  string
	spec *Spec

	activity atomic.Int64 // unix nanoseconds of the last sign of life
	rankLogs []*os.File
	metrics  *os.File
	slog     *log.Logger

	mu sync.Mutex // guards st and metrics writes
	st Status

	// mask hides the values of the spec's SecretEnv in rank logs.
	mask *strings.Replacer
}

// masked is what the rank logs show instead of a sensitive value.
const masked = "(sensitive value)"

// minMasked is the shortest value masked: shorter ones would mask
// ordinary words and numbers.
const minMasked = 4

// secretMask replaces the values of the secret variables, taken from the
// supervisor's own environment, longest first.
func secretMask(names []string) *strings.Replacer {
	var vals []string
	for _, n := range names {
		if v := os.Getenv(n); len(v) >= minMasked {
			vals = append(vals, v)
		}
	}
	if len(vals) == 0 {
		return nil
	}
	sort.Slice(vals, func(i, j int) bool { return len(vals[i]) > len(vals[j]) })
	var pairs []string
	for _, v := range vals {
		pairs = append(pairs, v, masked)
	}
	return strings.NewReplacer(pairs...)
}

func newSupervisor(dir string, spec *Spec) (*supervisor, error) {
	s := &supervisor{dir: dir, spec: spec, mask: secretMask(spec.SecretEnv)}
	for _, d := range []string{logsDir, checkpointDir, artifactDir} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	sl, err := os.OpenFile(filepath.Join(dir, logsDir, "supervisor.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	s.slog = log.New(sl, "", log.LstdFlags|log.Lmicroseconds)
	for n := range spec.WorldSize() {
		f, err := os.OpenFile(filepath.Join(dir, logsDir, fmt.Sprintf("rank-%d.log", n)), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, err
		}
		s.rankLogs = append(s.rankLogs, f)
	}
	if s.metrics, err = os.OpenFile(filepath.Join(dir, metricsFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err != nil {
		return nil, err
	}

	now := time.Now().UTC()
	if prev, err := ReadStatus(dir); err == nil {
		// A supervisor that died left the run unfinished: carry on from its
		// status, the lost attempt counting against the infrastructure budget.
		s.st = prev
		if !prev.State.Terminal() && prev.Attempt > 0 {
			s.st.Restarts[string(Infrastructure)]++
			s.logf("previous supervisor (pid %d) was lost during attempt %d", prev.SupervisorPID, prev.Attempt)
		}
	} else {
		s.st = Status{RunID: spec.RunID, Started: now, Restarts: map[string]int{string(Infrastructure): 0, string(UserError): 0}}
	}
	s.st.SupervisorPID = os.Getpid()
	if !s.st.State.Terminal() {
		s.st.State = Starting
	}
	return s, s.writeStatus()
}

func (s *supervisor) close() {
	for _, f := range s.rankLogs {
		f.Close()
	}
	s.metrics.Close()
}

func (s *supervisor) codeDir() string { return filepath.Join(s.dir, codeDir) }

func (s *supervisor) logf(format string, args ...any) { s.slog.Printf(format, args...) }

func (s *supervisor) writeStatus() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.Updated = time.Now().UTC()
	return writeStatus(s.dir, &s.st)
}

func (s *supervisor) recordMetric(m Metric, total int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m.Attempt = s.st.Attempt
	b, _ := json.Marshal(m)
	s.metrics.Write(append(b, '\n'))
	s.st.Step = m.Step
	if total > 0 {
		s.st.Total = total
	}
	if s.st.Metrics == nil {
		s.st.Metrics = map[string]float64{}
	}
	for k, v := range m.Values {
		s.st.Metrics[k] = v
	}
}

// run starts attempts until the ranks succeed, a budget is spent or ctx
// is cancelled.
func (s *supervisor) run(ctx context.Context) {
	ckdir := filepath.Join(s.dir, checkpointDir)
	if used := s.st.Restarts[string(Infrastructure)]; used > s.spec.RetryInfrastructure {
		s.finish(Failed, &Failure{Cause: Infrastructure, Rank: -1, Time: time.Now().UTC(),
			Message: fmt.Sprintf("the supervisor was lost during attempt %d and the infrastructure budget of %d restarts is spent", s.st.Attempt, s.spec.RetryInfrastructure)})
		return
	}
	for {
		if err := removeUncommitted(ckdir); err != nil {
			s.logf("cannot remove uncommitted checkpoints: %v", err)
		}
		resume, err := pruneCheckpoints(ckdir, s.spec.CheckpointKeep)
		if err != nil {
			s.logf("cannot prune checkpoints: %v", err)
		}
		a, err := s.startAttempt(resume)
		if err != nil {
			s.finish(Failed, &Failure{Cause: UserError, Rank: 0, Message: err.Error(), Time: time.Now().UTC()})
			return
		}
		f := a.watch(ctx)
		a.stop(s.spec.stopGrace())
		s.mu.Lock()
		s.st.Attempts[len(s.st.Attempts)-1].Ended = time.Now().UTC()
		s.st.Attempts[len(s.st.Attempts)-1].Failure = f
		s.mu.Unlock()
		switch {
		case ctx.Err() != nil:
			s.logf("cancelled; ranks stopped")
			s.finish(Cancelled, nil)
			return
		case f == nil:
			s.logf("all %d ranks finished", s.spec.WorldSize())
			s.finish(Succeeded, nil)
			return
		}
		budget := s.spec.RetryUserError
		if f.Cause == Infrastructure {
			budget = s.spec.RetryInfrastructure
		}
		s.mu.Lock()
		used := s.st.Restarts[string(f.Cause)]
		s.mu.Unlock()
		if used >= budget {
			s.logf("%s; %s budget of %d restarts spent", f.Message, f.Cause, budget)
			s.finish(Failed, f)
			return
		}
		s.logf("%s; restarting all ranks (%s restart %d of %d)", f.Message, f.Cause, used+1, budget)
		s.mu.Lock()
		s.st.Restarts[string(f.Cause)]++
		s.st.State = Restarting
		s.mu.Unlock()
		s.writeStatus()
	}
}

func (s *supervisor) finish(state State, f *Failure) {
	if _, err := pruneCheckpoints(filepath.Join(s.dir, checkpointDir), s.spec.CheckpointKeep); err != nil {
		s.logf("cannot prune checkpoints: %v", err)
	}
	s.mu.Lock()
	s.st.State = state
	s.st.Error = f
	s.st.Finished = time.Now().UTC()
	s.mu.Unlock()
	s.metrics.Sync()
	s.writeStatus()
}

// freePort asks the kernel for a free TCP port for the rendezvous.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
