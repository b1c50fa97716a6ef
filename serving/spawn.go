package serving

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

// spawner starts a version's local workers and restarts any that exits,
// on the same port, so the front end finds it again.
type spawner struct {
	ctx  context.Context
	spec Spawn
	logs string
	logf func(string, ...any)

	mu    sync.Mutex
	ports []string
	cmds  []*exec.Cmd
	wg    sync.WaitGroup
}

// listening is the line a worker prints once it listens.
var listening = regexp.MustCompile(`listening on ([0-9.]+:[0-9]+)`)

func startSpawner(ctx context.Context, num int64, spec Spawn, dir string, logf func(string, ...any)) (*spawner, error) {
	s := &spawner{ctx: ctx, spec: spec, logs: filepath.Join(dir, "logs"), logf: logf}
	if err := os.MkdirAll(s.logs, 0o755); err != nil {
		return nil, err
	}
	s.ports = make([]string, spec.Replicas)
	s.cmds = make([]*exec.Cmd, spec.Replicas)
	for i := 0; i < spec.Replicas; i++ {
		addr, err := s.launch(num, i, "0")
		if err != nil {
			s.stop()
			return nil, err
		}
		s.ports[i] = addr
		s.wg.Add(1)
		go s.supervise(num, i)
	}
	return s, nil
}

func (s *spawner) addrs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ports...)
}

// launch starts replica i listening on port ("0": any) and returns its
// address once it listens.
func (s *spawner) launch(num int64, i int, port string) (string, error) {
	args := make([]string, len(s.spec.Command))
	for j, a := range s.spec.Command {
		args[j] = strings.ReplaceAll(a, "{port}", port)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = s.spec.Dir
	cmd.Env = os.Environ()
	for k, v := range s.spec.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	setWorkerAttrs(cmd)
	log, err := os.OpenFile(filepath.Join(s.logs, fmt.Sprintf("version-%d-replica-%d.log", num, i)), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return "", err
	}
	cmd.Stderr = log
	out, err := cmd.StdoutPipe()
	if err != nil {
		log.Close()
		return "", err
	}
	if err := cmd.Start(); err != nil {
		log.Close()
		return "", fmt.Errorf("cannot start a worker of version %d: %w", num, err)
	}
	s.mu.Lock()
	s.cmds[i] = cmd
	s.mu.Unlock()
	found := make(chan string, 1)
	go func() {
		defer log.Close()
		sc := bufio.NewScanner(out)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(log, line)
			if m := listening.FindStringSubmatch(line); m != nil && !sent {
				found <- m[1]
				sent = true
			}
		}
		if !sent {
			close(found)
		}
	}()
	select {
	case addr, ok := <-found:
		if !ok {
			cmd.Wait()
			return "", fmt.Errorf("worker %d of version %d exited before it listened; see %s", i, num, log.Name())
		}
		return addr, nil
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		cmd.Wait()
		return "", fmt.Errorf("worker %d of version %d did not listen within 2 minutes; see %s", i, num, log.Name())
	}
}

// supervise restarts replica i whenever it exits, until the version stops.
func (s *spawner) supervise(num int64, i int) {
	defer s.wg.Done()
	backoff := 200 * time.Millisecond
	for {
		s.mu.Lock()
		cmd := s.cmds[i]
		s.mu.Unlock()
		err := cmd.Wait()
		if s.ctx.Err() != nil {
			return
		}
		s.logf("worker %d of version %d exited (%v); restarting it", i, num, err)
		select {
		case <-s.ctx.Done():
			return
		case <-time.After(backoff):
		}
		if backoff < 5*time.Second {
			backoff *= 2
		}
		_, port, _ := strings.Cut(s.addrs()[i], ":")
		if _, err := s.launch(num, i, port); err != nil {
			s.logf("%v", err)
			s.mu.Lock()
			s.cmds[i] = exec.Command("false") // waited on next turn
			s.cmds[i].Start()
			s.mu.Unlock()
		}
	}
}

// stop ends every worker: SIGTERM, then SIGKILL after 5 seconds.
func (s *spawner) stop() {
	s.mu.Lock()
	cmds := append([]*exec.Cmd(nil), s.cmds...)
	s.mu.Unlock()
	for _, c := range cmds {
		if c != nil && c.Process != nil {
			c.Process.Signal(syscall.SIGTERM)
		}
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		for _, c := range cmds {
			if c != nil && c.Process != nil {
				c.Process.Kill()
			}
		}
		<-done
	}
}
