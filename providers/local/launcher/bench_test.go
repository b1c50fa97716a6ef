package launcher

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"

	python "github.com/mltf/mltf/sdk/python"
)

const torchPython = "/usr/bin/python3"

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

var stepsRE = regexp.MustCompile(`after (\d+) steps \(([0-9.]+)s\)`)

// quickstartSpec runs examples/quickstart/src/train.py on 2 ranks.
func quickstartSpec(b *testing.B) (*Spec, string) {
	if err := exec.Command(torchPython, "-c", "import torch").Run(); err != nil {
		b.Skipf("needs PyTorch at %s: %v", torchPython, err)
	}
	src, _ := filepath.Abs("../../../examples/quickstart/src")
	data, _ := filepath.Abs("../../../examples/quickstart/data/digits.csv")
	s := shSpec("", 2)
	s.Command = []string{torchPython, "train.py"}
	s.Env = map[string]string{"MLTF_DATA_TRAIN": data, "MLTF_PARAMS": `{"epochs": 20}`}
	return s, src
}

func copyDir(b *testing.B, from, to string) {
	if out, err := exec.Command("cp", "-r", from+"/.", to).CombinedOutput(); err != nil {
		b.Fatalf("%v: %s", err, out)
	}
}

// BenchmarkLauncherOverhead compares the wall time of the quickstart's 2
// ranks started by the launcher (detached supervisor, output parsing,
// status files) with the same ranks started by hand with the same
// environment. The two alternate, so that both see the same machine load;
// run with -benchtime=5x for the median of 5 of each, reported as
// launcher-s, by-hand-s and their difference, and the training loop's
// steps/s under each.
func BenchmarkLauncherOverhead(b *testing.B) {
	spec, src := quickstartSpec(b)
	var walls, hands, rates, handRates []float64
	for i := 0; i < b.N; i++ {
		w, r := launchOnce(b, spec, src, i)
		walls, rates = append(walls, w), append(rates, r)
		w, r = byHandOnce(b, spec, src)
		hands, handRates = append(hands, w), append(handRates, r)
	}
	b.ReportMetric(median(walls), "launcher-s")
	b.ReportMetric(median(hands), "by-hand-s")
	b.ReportMetric(median(walls)-median(hands), "overhead-s")
	b.ReportMetric(median(rates), "launcher-steps/s")
	b.ReportMetric(median(handRates), "by-hand-steps/s")
}

func launchOnce(b *testing.B, spec *Spec, src string, i int) (float64, float64) {
	spec.RunID = fmt.Sprintf("bench%d%d", time.Now().UnixNano(), i)
	dir := filepath.Join(b.TempDir(), spec.RunID)
	os.MkdirAll(CodeDir(dir), 0o755)
	copyDir(b, src, CodeDir(dir))
	start := time.Now()
	run, err := Start(context.Background(), dir, spec, supervisorCommand(b))
	if err != nil {
		b.Fatal(err)
	}
	for {
		st, _ := run.Status()
		if st.State.Terminal() {
			if st.State != Succeeded {
				b.Fatalf("run %s: %v", st.State, st.Error)
			}
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start).Seconds(), stepsPerSecond(b, run.TailLog(0, 3))
}

func byHandOnce(b *testing.B, spec *Spec, src string) (float64, float64) {
	dir := b.TempDir()
	os.MkdirAll(CodeDir(dir), 0o755)
	copyDir(b, src, CodeDir(dir))
	os.MkdirAll(filepath.Join(dir, sdkDir), 0o755)
	os.WriteFile(filepath.Join(dir, sdkDir, "mltf.py"), python.Module, 0o644)
	port, _ := freePort()
	start := time.Now()
	var cmds []*exec.Cmd
	logs := make([]string, 2)
	for r := range 2 {
		cmd := exec.Command(spec.Command[0], spec.Command[1:]...)
		cmd.Dir = CodeDir(dir)
		cmd.Env = RankEnv(os.Environ(), dir, spec, RankInfo{Rank: r, Attempt: 1, MasterPort: port})
		logs[r] = filepath.Join(dir, fmt.Sprintf("rank-%d.log", r))
		f, _ := os.Create(logs[r])
		cmd.Stdout, cmd.Stderr = f, f
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		f.Close()
		cmds = append(cmds, cmd)
	}
	for r, c := range cmds {
		if err := c.Wait(); err != nil {
			out, _ := os.ReadFile(logs[r])
			b.Fatalf("rank %d: %v\n%s", r, err, out)
		}
	}
	wall := time.Since(start).Seconds()
	out, _ := os.ReadFile(logs[0])
	return wall, stepsPerSecond(b, []string{string(out)})
}

func stepsPerSecond(b *testing.B, lines []string) float64 {
	for _, l := range lines {
		if m := stepsRE.FindStringSubmatch(l); m != nil {
			steps, _ := strconv.ParseFloat(m[1], 64)
			secs, _ := strconv.ParseFloat(m[2], 64)
			return steps / secs
		}
	}
	b.Fatalf("no final line in %q", lines)
	return 0
}

// BenchmarkRestartLatency measures the time from a rank's death (SIGKILL)
// to all ranks running again, with ranks that need no interpreter start
// (so import time is excluded): the median of the iterations as median-s.
func BenchmarkRestartLatency(b *testing.B) {
	var lat []float64
	for i := 0; i < b.N; i++ {
		spec := shSpec(`exec sleep 60`, 2)
		spec.RunID = fmt.Sprintf("lat%d%d", time.Now().UnixNano(), i)
		spec.RetryInfrastructure = 1
		run := start(b, spec)
		st := waitFor(b, run, "the ranks", 20*time.Second, func(st Status) bool { return st.State == Running })
		killed := time.Now()
		syscall.Kill(st.Attempts[0].PIDs[1], syscall.SIGKILL)
		st = waitFor(b, run, "the restart", 20*time.Second, func(st Status) bool { return st.Attempt == 2 && st.State == Running })
		lat = append(lat, st.Attempts[1].Started.Sub(killed).Seconds())
		run.Cancel(context.Background(), time.Second)
	}
	b.ReportMetric(median(lat), "median-s")
}

// BenchmarkMetricParsing measures how many metric lines per second the
// supervisor reads from a rank, parses and records.
func BenchmarkMetricParsing(b *testing.B) {
	const lines = 100000
	spec := shSpec(fmt.Sprintf(`/usr/bin/python3 -c '
import sys
w = sys.stdout.write
for i in range(%d):
    w("mltf.metric {\"step\": %%d, \"loss\": 0.5, \"accuracy\": 0.9, \"lr\": 0.01, \"grad_norm\": 1.5}\n" %% i)
'`, lines), 1)
	b.ResetTimer()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		spec.RunID = fmt.Sprintf("parse%d%d", time.Now().UnixNano(), i)
		run := start(b, spec)
		t0 := time.Now()
		st := waitEnd(b, run)
		total += time.Since(t0)
		if st.Step != lines-1 {
			b.Fatalf("last step %d, want %d", st.Step, lines-1)
		}
	}
	b.ReportMetric(float64(lines*b.N)/total.Seconds(), "lines/s")
}
