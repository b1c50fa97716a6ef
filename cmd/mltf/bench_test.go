//go:build linux

package main_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mltf/mltf/internal/e2e"
)

// chainConfig generates n experiments that refer to each other: e_i refers
// to e_(i-1), every tenth to e_(i/2), every hundredth depends on the ten
// before it.
func chainConfig(n int) string {
	var b strings.Builder
	b.WriteString("variable \"tag\" {\n  default = \"a\"\n}\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "experiment \"e%d\" {\n  description = \"${var.tag}-%d\"\n", i, i)
		switch {
		case i%100 == 99:
			b.WriteString("  depends_on = [")
			for j := i - 10; j < i; j++ {
				fmt.Fprintf(&b, "experiment.e%d, ", j)
			}
			b.WriteString("]\n")
		case i%10 != 0:
			fmt.Fprintf(&b, "  tags = { parent = experiment.e%d.id }\n", i-1)
		case i > 0:
			fmt.Fprintf(&b, "  tags = { parent = experiment.e%d.id }\n", i/2)
		}
		b.WriteString("}\n")
	}
	return b.String()
}

// BenchmarkCLI runs the mltf binary the way a user does, with its provider
// plugin processes: apply of n experiments on empty state, then plan with
// no changes. Besides the wall time per run it reports the peak resident
// memory of the mltf process and of its provider processes.
//
//	go test -run '^$' -bench CLI -benchtime 3x ./cmd/mltf/
func BenchmarkCLI(b *testing.B) {
	sizes := []int{5000, 10000}
	if testing.Short() {
		sizes = []int{1000}
	}
	bin := e2e.Binary(b)
	for _, n := range sizes {
		src := chainConfig(n)
		newDir := func(b *testing.B) string {
			dir := b.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "main.mltf.hcl"), []byte(src), 0o644); err != nil {
				b.Fatal(err)
			}
			return dir
		}
		b.Run(fmt.Sprintf("apply/n=%d", n), func(b *testing.B) {
			var peak peaks
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				dir := newDir(b)
				b.StartTimer()
				peak.max(runMeasured(b, bin, dir, 0, "apply", "-auto-approve"))
			}
			peak.report(b)
		})
		b.Run(fmt.Sprintf("plan-nochange/n=%d", n), func(b *testing.B) {
			b.StopTimer()
			dir := newDir(b)
			runMeasured(b, bin, dir, 0, "apply", "-auto-approve")
			b.StartTimer()
			var peak peaks
			for i := 0; i < b.N; i++ {
				peak.max(runMeasured(b, bin, dir, 0, "plan", "-detailed-exitcode"))
			}
			peak.report(b)
		})
	}
}

// peaks are the highest resident set sizes seen, in kB, and the CPU time
// used by mltf and its providers, summed over runs. mltfAnon is the
// highest anonymous part of mltf's (heap, stacks; sampled): the rest is
// pages of the binary, whose count depends on how its file came into the
// page cache (a binary just written by the linker maps more of them than
// the same file copied) more than on what mltf does.
type peaks struct {
	mltf, mltfAnon, provider int64
	cpu                      time.Duration
	runs                     int
}

func (p *peaks) max(q peaks) {
	p.mltf = max(p.mltf, q.mltf)
	p.mltfAnon = max(p.mltfAnon, q.mltfAnon)
	p.provider = max(p.provider, q.provider)
	p.cpu += q.cpu
	p.runs++
}

func (p peaks) report(b *testing.B) {
	b.ReportMetric(float64(p.mltf)/1024, "mltf-peak-MB")
	b.ReportMetric(float64(p.mltfAnon)/1024, "mltf-anon-peak-MB")
	b.ReportMetric(float64(p.provider)/1024, "provider-peak-MB")
	if p.runs > 0 {
		// CPU time is steadier than wall time on a busy machine.
		b.ReportMetric(float64(p.cpu.Milliseconds())/float64(p.runs), "cpu-ms/op")
	}
}

// runMeasured runs mltf in dir and fails unless it exits with want. It
// returns the peak RSS of mltf (exact, from its rusage when mltf has no
// larger child; otherwise sampled) and of the largest provider process
// (sampled from /proc every few milliseconds: VmHWM only grows, so the
// last sample is the peak up to the last few milliseconds of its life).
func runMeasured(b *testing.B, bin, dir string, want int, args ...string) peaks {
	b.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	var (
		mu      sync.Mutex
		sampled = map[int]int64{} // pid -> VmHWM kB
		anon    int64             // mltf's RssAnon kB
		done    = make(chan struct{})
		stopped = make(chan struct{})
	)
	go func() {
		defer close(stopped)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			for _, pid := range processTree(cmd.Process.Pid) {
				if hwm, a := memStatus(pid); hwm > 0 {
					mu.Lock()
					sampled[pid] = max(sampled[pid], hwm)
					if pid == cmd.Process.Pid {
						anon = max(anon, a)
					}
					mu.Unlock()
				}
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	<-stopped
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		b.Fatal(err)
	}
	if code != want {
		b.Fatalf("mltf %s: exit %d, want %d\n%s", strings.Join(args, " "), code, want, out.String())
	}
	// The CPU time of mltf includes that of the providers it reaped.
	p := peaks{cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), mltfAnon: anon}
	for pid, kb := range sampled {
		if pid == cmd.Process.Pid {
			p.mltf = kb
		} else {
			p.provider = max(p.provider, kb)
		}
	}
	if ru := rusageMaxRSS(cmd.ProcessState); ru > p.provider {
		// The rusage of mltf covers its reaped children too: when it is
		// above every child's peak, it is mltf's own, exactly.
		p.mltf = max(p.mltf, ru)
	}
	return p
}

// processTree lists pid and its descendants.
func processTree(pid int) []int {
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", out[i]))
		for _, t := range tasks {
			b, _ := os.ReadFile(t)
			for _, f := range strings.Fields(string(b)) {
				if c, err := strconv.Atoi(f); err == nil {
					out = append(out, c)
				}
			}
		}
	}
	return out
}

// memStatus is the peak resident set size of pid and its anonymous
// resident memory now, in kB, or 0.
func memStatus(pid int) (hwm, anon int64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	kB := func(v string) int64 {
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		return kb
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			hwm = kB(v)
		} else if v, ok := strings.CutPrefix(line, "RssAnon:"); ok {
			anon = kB(v)
		}
	}
	return hwm, anon
}

// rusageMaxRSS is the maxrss of a finished process in kB.
func rusageMaxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss
	}
	return 0
}
