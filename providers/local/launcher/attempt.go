package launcher

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// attempt is one start of all ranks.
type attempt struct {
	s      *supervisor
	n      int
	ranks  []*rank
	exits  chan exit
	exited map[int]exit
}

func (s *supervisor) startAttempt(resume string) (*attempt, error) {
	port := s.spec.MasterPort
	if port == 0 {
		var err error
		if port, err = freePort(); err != nil {
			return nil, fmt.Errorf("cannot find a free port for MASTER_PORT: %w", err)
		}
	}
	s.mu.Lock()
	s.st.Attempt++
	n := s.st.Attempt
	s.mu.Unlock()

	a := &attempt{s: s, n: n, exits: make(chan exit, s.spec.WorldSize()), exited: map[int]exit{}}
	base := os.Environ()
	for r := range s.spec.WorldSize() {
		header := fmt.Sprintf("=== mltf: attempt %d, rank %d of %d", n, r, s.spec.WorldSize())
		if resume != "" {
			header += ", resuming from " + filepath.Base(resume)
		}
		fmt.Fprintln(s.rankLogs[r], header+" ===")
		env := RankEnv(base, s.dir, s.spec, RankInfo{Rank: r, Attempt: n, MasterPort: port, ResumeFrom: resume})
		rk, err := s.startRank(r, env)
		if err != nil {
			a.stop(s.spec.stopGrace())
			return nil, fmt.Errorf("cannot start rank %d: %w", r, err)
		}
		a.ranks = append(a.ranks, rk)
		go func() {
			err := rk.cmd.Wait()
			a.exits <- exit{rank: rk.n, state: rk.cmd.ProcessState, err: err, at: time.Now()}
		}()
	}
	s.activity.Store(time.Now().UnixNano())
	pids := make([]int, len(a.ranks))
	for i, r := range a.ranks {
		pids[i] = r.cmd.Process.Pid
	}
	s.mu.Lock()
	s.st.State = Running
	s.st.Checkpoint = resume
	s.st.Attempts = append(s.st.Attempts, Attempt{N: n, MasterPort: port, ResumeFrom: resume, PIDs: pids, Started: time.Now().UTC()})
	s.mu.Unlock()
	s.writeStatus()
	s.logf("attempt %d: started %d ranks (pids %v, master port %d, resume %q)", n, len(pids), pids, port, resume)
	return a, nil
}

// watch waits for the ranks to end. It returns nil when all succeeded (or
// ctx was cancelled), else the first failure.
func (a *attempt) watch(ctx context.Context) *Failure {
	s := a.s
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	lastCkpt := s.st.Checkpoint
	for {
		select {
		case <-ctx.Done():
			return nil
		case e := <-a.exits:
			a.exited[e.rank] = e
			if e.ok() {
				if len(a.exited) == len(a.ranks) {
					return nil
				}
				continue
			}
			return a.failure(e)
		case <-tick.C:
			newest, err := pruneCheckpoints(filepath.Join(s.dir, checkpointDir), s.spec.CheckpointKeep)
			if err != nil {
				s.logf("cannot prune checkpoints: %v", err)
			}
			if newest != lastCkpt && newest != "" {
				lastCkpt = newest
				s.activity.Store(time.Now().UnixNano())
				s.mu.Lock()
				s.st.Checkpoint = newest
				s.mu.Unlock()
			}
			if ht := time.Duration(s.spec.HangTimeout); ht > 0 {
				quiet := time.Since(time.Unix(0, s.activity.Load()))
				if quiet > ht {
					return &Failure{Cause: Infrastructure, Rank: -1, Time: time.Now().UTC(),
						Message: fmt.Sprintf("no metric, log line or heartbeat from any rank for %s (hang_timeout %s)", quiet.Round(time.Second), ht)}
				}
			}
			s.writeStatus()
		}
	}
}

// failure builds the attempt's failure from the first rank to die. Peers
// of a killed rank often fail with an error of their own a moment later;
// a death by signal among them is the better explanation.
func (a *attempt) failure(first exit) *Failure {
	blame := first
	if cause, _ := first.classify(); cause == UserError {
		deadline := time.After(100 * time.Millisecond)
	drain:
		for len(a.exited) < len(a.ranks) {
			select {
			case e := <-a.exits:
				a.exited[e.rank] = e
				if c, _ := e.classify(); c == Infrastructure && !e.ok() {
					blame = e
					break drain
				}
			case <-deadline:
				break drain
			}
		}
	}
	cause, msg := blame.classify()
	r := a.ranks[blame.rank]
	r.waitOutput(2 * time.Second) // the last lines the rank wrote
	return &Failure{Cause: cause, Rank: blame.rank, Message: msg, Time: blame.at.UTC(), Tail: r.lastLines()}
}

// stop ends every rank still running: SIGTERM, then SIGKILL after grace.
func (a *attempt) stop(grace time.Duration) {
	running := func() bool { return len(a.exited) < len(a.ranks) }
	for _, r := range a.ranks {
		if _, done := a.exited[r.n]; !done {
			r.signal(syscall.SIGTERM)
		}
	}
	timer := time.NewTimer(grace)
	defer timer.Stop()
	for running() {
		select {
		case e := <-a.exits:
			a.exited[e.rank] = e
		case <-timer.C:
			for _, r := range a.ranks {
				if _, done := a.exited[r.n]; !done {
					a.s.logf("rank %d ignored SIGTERM for %s; killing it", r.n, grace)
					r.signal(syscall.SIGKILL)
				}
			}
			for running() {
				e := <-a.exits
				a.exited[e.rank] = e
			}
		}
	}
	for _, r := range a.ranks {
		r.signal(syscall.SIGKILL) // whatever the rank left behind in its group
		r.waitOutput(2 * time.Second)
	}
}
