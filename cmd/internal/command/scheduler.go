package command

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/cli"
	"github.com/hashicorp/hcl/v2"

	"github.com/mltf/mltf/cmd/internal/views"
	"github.com/mltf/mltf/kinds/pipeline"
	"github.com/mltf/mltf/kinds/pipeline/schedule"
	"github.com/mltf/mltf/lang"
)

// SchedulerCommand is mltf scheduler.
type SchedulerCommand struct{ Meta }

func (c *SchedulerCommand) Synopsis() string { return "Apply pipelines on their schedules" }
func (c *SchedulerCommand) Help() string {
	return strings.TrimSpace(`
Usage: mltf scheduler [-once] [-interval=1s]

  Runs the pipelines of the configuration that have a schedule {} block
  when their cron ticks come, each as mltf apply -target=pipeline.NAME
  -auto-approve would, under the state lock (waited for up to 10 minutes),
  with MLTF_SCHEDULED_TIME set to the tick. The configuration is read once,
  at start. Ticks are claimed in .mltf/scheduler/WORKSPACE.json before their
  run starts: after a restart, the latest tick missed while the scheduler
  was down runs once, and a tick never runs twice. One scheduler runs per
  working directory and workspace.

  -once          handle the ticks due now, wait for their runs, and exit
  -interval=D    how often to look for due ticks (default 1s)

  mltf pipelines show NAME lists the scheduled runs with their ticks.
`)
}

func (c *SchedulerCommand) Run(args []string) int {
	var once bool
	var interval time.Duration
	fs := c.flagSet("scheduler")
	fs.BoolVar(&once, "once", false, "handle the due ticks, wait for their runs and exit")
	fs.DurationVar(&interval, "interval", time.Second, "how often to look for due ticks")
	if !c.parseNoArgs(fs, args) {
		return cli.RunResultHelp
	}
	cfg, diags := c.loadConfig()
	if diags.HasErrors() {
		c.diagView(cfg).Show(diags)
		return 1
	}
	schedules, diags := pipelineSchedules(cfg)
	if diags.HasErrors() {
		c.diagView(cfg).Show(diags)
		return 1
	}
	if len(schedules) == 0 {
		c.errorf("No pipeline has a schedule {} block: nothing to schedule.")
		return 1
	}
	dir := filepath.Join(c.WorkDir, ".mltf", "scheduler")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		c.errorf("Cannot create %s: %s", dir, err)
		return 1
	}
	base := filepath.Join(dir, c.workspace())
	unlock, err := lockFile(base + ".lock")
	if err != nil {
		c.errorf("Another mltf scheduler runs for workspace %s in this directory (%s): %s", c.workspace(), base+".lock", err)
		return 1
	}
	defer unlock()
	journal, err := schedule.OpenJournal(base + ".json")
	if err != nil {
		c.errorf("%s", err)
		return 1
	}
	exe, err := os.Executable()
	if err != nil {
		c.errorf("Cannot find the mltf executable: %s", err)
		return 1
	}
	var outMu sync.Mutex
	logf := func(line string) {
		outMu.Lock()
		defer outMu.Unlock()
		views.SchedulerLine(c.Stdout, time.Now(), line)
	}
	names := make([]string, 0, len(schedules))
	for n, s := range schedules {
		names = append(names, n)
		logf(fmt.Sprintf("%s: cron %q in %s, concurrency %s, next tick %s", n, s.Cron, s.Location, s.Concurrency, s.Next(time.Now()).Format(time.RFC3339)))
	}
	sort.Strings(names)
	s := &schedule.Scheduler{
		Clock: realClock{}, Journal: journal, Pipelines: schedules, Log: logf,
		Runner: &applyRunner{exe: exe, dir: c.WorkDir, log: logf},
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for {
		if err := s.Pass(); err != nil {
			c.errorf("Cannot write the scheduler's journal: %s", err)
			return 1
		}
		if once {
			s.Wait()
			return 0
		}
		select {
		case <-ctx.Done():
			logf("stopping: waiting for the runs in progress (interrupt again to leave them running)")
			stop()
			s.Wait()
			return 0
		case <-time.After(interval):
		}
	}
}

// pipelineSchedules reads the schedule {} blocks of the configuration's
// pipelines; their values are literals (the scheduler runs without
// planning).
func pipelineSchedules(cfg *lang.Config) (map[string]schedule.Schedule, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	out := map[string]schedule.Schedule{}
	for addr, r := range cfg.Resources {
		if r.Kind != "pipeline" {
			continue
		}
		content, _, _ := r.Config.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "schedule"}}})
		for _, b := range content.Blocks {
			attrs, ds := b.Body.JustAttributes()
			diags = append(diags, ds...)
			vals := map[string]string{}
			for name, a := range attrs {
				v, ds := a.Expr.Value(nil)
				if ds.HasErrors() || v.Type().FriendlyName() != "string" {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Schedule not a literal",
						Detail: fmt.Sprintf("mltf scheduler reads %s's schedule.%s without planning: write it as a string literal.", addr, name), Subject: a.Expr.Range().Ptr()})
					continue
				}
				vals[name] = v.AsString()
			}
			s, err := schedule.Parse(vals["cron"], vals["timezone"], vals["concurrency"], vals["starting_deadline"])
			if err != nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid schedule", Detail: err.Error(), Subject: b.DefRange.Ptr()})
				continue
			}
			out[addr] = s
		}
	}
	return out, diags
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// applyRunner runs mltf apply -target=PIPELINE -auto-approve as a child
// process with MLTF_SCHEDULED_TIME, its output prefixed with the pipeline.
type applyRunner struct {
	exe, dir string
	log      func(string)
}

func (r *applyRunner) Start(addr string, tick time.Time) (schedule.Running, error) {
	cmd := exec.Command(r.exe, "apply", "-auto-approve", "-lock-timeout=10m", "-target="+addr)
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(), pipeline.ScheduledTimeEnv+"="+tick.Format(time.RFC3339))
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	run := &applyRun{cmd: cmd, done: make(chan struct{})}
	go func() {
		copyLines(out, func(l string) { r.log(addr + ": " + l) })
		run.err = cmd.Wait()
		if run.err != nil {
			run.err = fmt.Errorf("mltf apply -target=%s: %v; its output above says why", addr, run.err)
		}
		close(run.done)
	}()
	return run, nil
}

func copyLines(r io.Reader, emit func(string)) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		if l := strings.TrimRight(sc.Text(), " "); l != "" {
			emit(l)
		}
	}
}

type applyRun struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

func (a *applyRun) Done() <-chan struct{} { return a.done }
func (a *applyRun) Err() error            { return a.err }

// Stop interrupts the apply as Ctrl-C would (it stops following its runs
// and saves the state), and kills it if it has not ended a minute later.
func (a *applyRun) Stop() {
	a.cmd.Process.Signal(os.Interrupt)
	select {
	case <-a.done:
	case <-time.After(time.Minute):
		a.cmd.Process.Kill()
		<-a.done
	}
}
