package launcher

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	python "github.com/mltf/mltf/sdk/python"
)

// Run is a handle on a run directory, whoever started it.
type Run struct {
	Dir string
	// exited is closed when a supervisor this process started ends; nil
	// for a run opened from its directory.
	exited chan struct{}
}

// Exited returns a channel closed when the supervisor this process started
// for the run ends (its last status written). For a run opened from its
// directory the channel is nil: only reading the status tells.
func (r *Run) Exited() <-chan struct{} { return r.exited }

// Open returns a handle on the run directory dir; it fails when dir holds
// no launched run.
func Open(dir string) (*Run, error) {
	if _, err := os.Stat(filepath.Join(dir, specFile)); err != nil {
		return nil, fmt.Errorf("no run in %s: %w", dir, err)
	}
	return &Run{Dir: dir}, nil
}

// CodeDir is where the code snapshot goes; copy it there (Snapshot)
// before Start.
func CodeDir(dir string) string { return filepath.Join(dir, codeDir) }

// Start writes spec to the run directory dir and starts its supervisor
// detached (in a new session) with supervisor + [dir], e.g.
// ["/usr/bin/mltf", "internal-supervise"]. It returns once the supervisor
// has written its first status, so a Run is never seen without one.
func Start(ctx context.Context, dir string, spec *Spec, supervisor []string) (*Run, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	if len(supervisor) == 0 {
		return nil, errors.New("no supervisor command")
	}
	for _, d := range []string{codeDir, sdkDir, logsDir, checkpointDir, artifactDir} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, sdkDir, "mltf.py"), python.Module, 0o644); err != nil {
		return nil, err
	}
	spec.SecretEnv = nil
	for k := range spec.Secrets {
		spec.SecretEnv = append(spec.SecretEnv, k)
	}
	sort.Strings(spec.SecretEnv)
	b, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(filepath.Join(dir, specFile), b); err != nil {
		return nil, err
	}
	return startSupervisor(ctx, dir, supervisor, time.Time{}, spec.Secrets)
}

// startSupervisor starts the supervisor of dir and waits for a status
// written after the time after.
func startSupervisor(ctx context.Context, dir string, supervisor []string, after time.Time, secrets map[string]string) (*Run, error) {
	started := func() bool {
		st, err := ReadStatus(dir)
		return err == nil && st.Updated.After(after)
	}
	out, err := os.OpenFile(filepath.Join(dir, logsDir, "supervisor.out"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	cmd := exec.Command(supervisor[0], append(supervisor[1:len(supervisor):len(supervisor)], dir)...)
	cmd.Dir = dir
	cmd.Env = os.Environ()
	for k, v := range secrets {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot start the supervisor %s: %w", supervisor[0], err)
	}
	exited := make(chan error, 1)
	r := &Run{Dir: dir, exited: make(chan struct{})}
	go func() { // reaps it if it ends while we live
		err := cmd.Wait()
		close(r.exited)
		exited <- err
	}()

	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(30 * time.Second)
	for {
		if started() {
			return r, nil
		}
		select {
		case err := <-exited:
			if started() {
				return r, nil
			}
			msg, _ := os.ReadFile(filepath.Join(dir, logsDir, "supervisor.out"))
			return nil, fmt.Errorf("the supervisor ended before starting the run (%v): %s", err, strings.TrimSpace(string(msg)))
		case <-deadline:
			cmd.Process.Kill()
			return nil, errors.New("the supervisor did not start within 30s")
		case <-ctx.Done():
			cmd.Process.Kill()
			return nil, ctx.Err()
		case <-tick.C:
		}
	}
}

// Status reads the run's status.
func (r *Run) Status() (Status, error) { return ReadStatus(r.Dir) }

// Spec reads the run's spec.
func (r *Run) Spec() (*Spec, error) { return readSpec(r.Dir) }

// Alive reports whether a supervisor holds the run.
func (r *Run) Alive() bool {
	f, err := os.Open(filepath.Join(r.Dir, lockFile))
	if err != nil {
		return false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		return true
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false
}

// supervisorPID reads the pid the live supervisor wrote in its lock file.
func (r *Run) supervisorPID() int {
	b, err := os.ReadFile(filepath.Join(r.Dir, lockFile))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// Resume starts a new supervisor for a run whose supervisor was lost
// before the run ended. The lost attempt counts against the
// infrastructure budget. secrets are the values of the spec's SecretEnv,
// resolved again by the caller.
func (r *Run) Resume(ctx context.Context, supervisor []string, secrets map[string]string) error {
	if r.Alive() {
		return nil
	}
	st, err := r.Status()
	if err != nil || st.State.Terminal() {
		return err
	}
	spec, err := readSpec(r.Dir)
	if err != nil {
		return err
	}
	var missing []string
	for _, k := range spec.SecretEnv {
		if _, ok := secrets[k]; !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the ranks need the values of %s to restart", strings.Join(missing, ", "))
	}
	r.killStrays(st)
	_, err = startSupervisor(ctx, r.Dir, supervisor, st.Updated, secrets)
	return err
}

// killStrays kills ranks a lost supervisor left behind: processes of the
// last attempt that still carry this run's id.
func (r *Run) killStrays(st Status) {
	if len(st.Attempts) == 0 {
		return
	}
	for _, pid := range st.Attempts[len(st.Attempts)-1].PIDs {
		env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if err != nil || !bytes.Contains(env, []byte("\x00MLTF_RUN_ID="+st.RunID+"\x00")) && !bytes.HasPrefix(env, []byte("MLTF_RUN_ID="+st.RunID+"\x00")) {
			continue
		}
		syscall.Kill(-pid, syscall.SIGKILL)
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// Cancel stops the run: SIGTERM to the supervisor, which stops the ranks
// (SIGTERM, then SIGKILL after the spec's grace) and records the run as
// cancelled; SIGKILL to all of them if that takes longer than grace plus
// a few seconds. Cancelling an ended run does nothing.
func (r *Run) Cancel(ctx context.Context, grace time.Duration) error {
	st, err := r.Status()
	if err != nil {
		return err
	}
	if st.State.Terminal() {
		return nil
	}
	if !r.Alive() {
		r.killStrays(st)
		st.State = Cancelled
		st.Finished = time.Now().UTC()
		return writeStatus(r.Dir, &st)
	}
	if pid := r.supervisorPID(); pid > 0 {
		syscall.Kill(pid, syscall.SIGTERM)
	}
	deadline := time.Now().Add(grace + 5*time.Second)
	for r.Alive() && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	if r.Alive() {
		if pid := r.supervisorPID(); pid > 0 {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(50 * time.Millisecond)
	}
	st, err = r.Status()
	if err != nil {
		return err
	}
	if !st.State.Terminal() {
		r.killStrays(st)
		st.State = Cancelled
		st.Finished = time.Now().UTC()
		return writeStatus(r.Dir, &st)
	}
	return nil
}

// CheckpointDir is the run's MLTF_CHECKPOINT_DIR.
func (r *Run) CheckpointDir() string { return filepath.Join(r.Dir, checkpointDir) }

// ArtifactDir is the run's MLTF_ARTIFACT_DIR.
func (r *Run) ArtifactDir() string { return filepath.Join(r.Dir, artifactDir) }

// LogPath is the log file of rank n.
func (r *Run) LogPath(n int) string {
	return filepath.Join(r.Dir, logsDir, fmt.Sprintf("rank-%d.log", n))
}

// DeleteCheckpoints removes the run's checkpoints.
func (r *Run) DeleteCheckpoints() error { return os.RemoveAll(r.CheckpointDir()) }

// Metrics reads the metric records written after byte offset, and the
// offset to read from next time. A half-written last line is left for
// the next call.
func (r *Run) Metrics(offset int64) ([]Metric, int64, error) {
	f, err := os.Open(filepath.Join(r.Dir, metricsFile))
	if os.IsNotExist(err) {
		return nil, offset, nil
	}
	if err != nil {
		return nil, offset, err
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return nil, offset, err
	}
	var out []Metric
	br := bufio.NewReaderSize(f, 256<<10)
	for {
		line, err := br.ReadBytes('\n')
		if err != nil {
			break // EOF, or a line still being written
		}
		offset += int64(len(line))
		var m Metric
		if json.Unmarshal(line, &m) == nil {
			out = append(out, m)
		}
	}
	return out, offset, nil
}

// TailLog returns the last n lines of rank's log.
func (r *Run) TailLog(rank, n int) []string {
	b, err := os.ReadFile(r.LogPath(rank))
	if err != nil {
		return nil
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}
