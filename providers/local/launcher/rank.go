package launcher

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

const tailLines = 20

// rank is one running rank process and the reader of its output.
type rank struct {
	n      int
	cmd    *exec.Cmd
	output sync.WaitGroup // the reader of the rank's output

	mu   sync.Mutex
	tail []string
}

// exit is a rank's end, as Wait saw it.
type exit struct {
	rank  int
	state *os.ProcessState
	err   error
	at    time.Time
}

func (e exit) ok() bool { return e.err == nil && e.state != nil && e.state.Success() }

// classify says which budget a rank's death counts against, and how to
// say it.
func (e exit) classify() (Cause, string) {
	if e.state == nil {
		return Infrastructure, fmt.Sprintf("rank %d was lost: %v", e.rank, e.err)
	}
	ws, _ := e.state.Sys().(syscall.WaitStatus)
	switch {
	case ws.Signaled():
		return Infrastructure, fmt.Sprintf("rank %d was killed by signal %s", e.rank, ws.Signal())
	case ws.ExitStatus() == 128+int(syscall.SIGKILL) || ws.ExitStatus() == 128+int(syscall.SIGTERM):
		// A shell reporting that its child was killed.
		return Infrastructure, fmt.Sprintf("rank %d exited with code %d (killed)", e.rank, ws.ExitStatus())
	default:
		return UserError, fmt.Sprintf("rank %d exited with code %d", e.rank, ws.ExitStatus())
	}
}

// startRank starts rank n with its environment; its stdout and stderr go
// through one pipe to readOutput.
func (s *supervisor) startRank(n int, env []string) (*rank, error) {
	r := &rank{n: n}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	name := s.spec.Command[0]
	if strings.Contains(name, "/") && !filepath.IsAbs(name) {
		name = filepath.Join(s.codeDir(), name)
	} else if !strings.Contains(name, "/") {
		// Look the program up in the rank's PATH, not the supervisor's.
		if p, err := lookPath(name, env); err == nil {
			name = p
		}
	}
	cmd := exec.Command(name, s.spec.Command[1:]...)
	cmd.Dir = s.codeDir()
	cmd.Env = env
	cmd.Stdout = pw
	cmd.Stderr = pw
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		pr.Close()
		pw.Close()
		return nil, err
	}
	pw.Close()
	r.cmd = cmd
	r.output.Add(1)
	go func() {
		defer r.output.Done()
		defer pr.Close()
		s.readOutput(r, pr)
	}()
	return r, nil
}

// readOutput copies a rank's lines to its log and picks out the mltf
// lines.
func (s *supervisor) readOutput(r *rank, in io.Reader) {
	log := s.rankLogs[r.n]
	br := bufio.NewReaderSize(in, 64<<10)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			s.activity.Store(time.Now().UnixNano())
			if line[len(line)-1] != '\n' {
				line = append(line, '\n')
			}
			if s.mask != nil {
				line = []byte(s.mask.Replace(string(line)))
			}
			log.Write(line)
			text := string(bytes.TrimRight(line, "\r\n"))
			r.mu.Lock()
			r.tail = append(r.tail, text)
			if len(r.tail) > tailLines {
				r.tail = r.tail[len(r.tail)-tailLines:]
			}
			r.mu.Unlock()
			if r.n == 0 {
				s.parseLine(text)
			}
		}
		if err != nil {
			return
		}
	}
}

// waitOutput waits for the rank's output to end, at most d: a process
// the rank started outside its group may hold the pipe open.
func (r *rank) waitOutput(d time.Duration) {
	done := make(chan struct{})
	go func() { r.output.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
	}
}

func (r *rank) lastLines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.tail...)
}

// signal sends sig to the rank's process group (the rank and whatever it
// started).
func (r *rank) signal(sig syscall.Signal) {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	syscall.Kill(-r.cmd.Process.Pid, sig)
}

// Metric is one record of metrics.jsonl: the values of one mltf.metric
// line of rank 0.
type Metric struct {
	Time    time.Time          `json:"time"`
	Step    int64              `json:"step"`
	Attempt int                `json:"attempt"`
	Values  map[string]float64 `json:"values"`
}

const (
	metricPrefix    = "mltf.metric "
	envPrefix       = "mltf.env "
	heartbeatPrefix = "mltf.heartbeat"
)

// parseLine reads an mltf line of rank 0. Anything malformed stays in
// the log only.
func (s *supervisor) parseLine(line string) {
	switch {
	case strings.HasPrefix(line, metricPrefix):
		var raw map[string]any
		if json.Unmarshal([]byte(line[len(metricPrefix):]), &raw) != nil {
			return
		}
		m := Metric{Time: time.Now().UTC(), Values: map[string]float64{}}
		var total int64
		for k, v := range raw {
			f, ok := v.(float64)
			if !ok {
				continue
			}
			switch k {
			case "step":
				m.Step = int64(f)
			case "total":
				total = int64(f)
			default:
				m.Values[k] = f
			}
		}
		s.recordMetric(m, total)
	case strings.HasPrefix(line, envPrefix):
		var raw map[string]any
		if json.Unmarshal([]byte(line[len(envPrefix):]), &raw) != nil {
			return
		}
		s.mu.Lock()
		if s.st.Env == nil {
			s.st.Env = map[string]string{}
		}
		for k, v := range raw {
			s.st.Env[k] = fmt.Sprint(v)
		}
		s.mu.Unlock()
	}
}

// lookPath finds name in the PATH of env.
func lookPath(name string, env []string) (string, error) {
	path := ""
	for _, kv := range env {
		if strings.HasPrefix(kv, "PATH=") {
			path = kv[len("PATH="):]
		}
	}
	for _, d := range filepath.SplitList(path) {
		if d == "" {
			d = "."
		}
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}
