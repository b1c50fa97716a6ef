package kubernetes

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mltf/mltf/kinds/training"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/runflow"
)

// Restart causes, as the training contract names them.
const (
	causeInfra = runflow.CauseInfrastructure
	causeUser  = runflow.CauseUserError
)

// progressEvery is how often a supervised run reports while nothing
// changes, and how often its metrics reach the tracking store.
const progressEvery = 5 * time.Second

// failure is why an attempt of a run failed.
type failure struct {
	Cause  string
	Detail string
	Pod    string
	Node   int
}

// gang is one run on the cluster: its objects, and while it is followed,
// its supervision.
type gang struct {
	p     *Provider
	conn  *conn
	hub   *hub
	spec  *runSpec
	loc   location
	facts training.RunFacts

	// Supervision while Follow runs.
	w            *runflow.Watch
	logs         *logFollower
	seenJob      bool
	seenPods     map[string]*corev1.Pod // this attempt's pods seen, by name
	lastActivity time.Time
	attemptStart time.Time
	allRunning   bool
	lastMessage  string
	lastExplain  time.Time
	podsSeen     bool
	step, total  int64
	// A pipeline step's files (stepfiles.go): the pods its inputs were
	// copied into, and whether its outputs were copied out.
	staged map[string]bool
	copied bool
}

var _ runflow.Gang = (*gang)(nil)

func newGang(p *Provider, conn *conn, h *hub, spec *runSpec, loc location, facts training.RunFacts) *gang {
	if facts.Restarts == nil {
		facts.Restarts = map[string]int{}
	}
	if facts.Metrics == nil {
		facts.Metrics = map[string]float64{}
	}
	spec.Restarts = facts.Restarts
	return &gang{p: p, conn: conn, hub: h, spec: spec, loc: loc, facts: facts}
}

func (s *gang) Facts() training.RunFacts { return s.facts }

func (s *gang) Where() any { return s.loc }

func (s *gang) Env() map[string]string { return env(s.spec.Config) }

// Stop deletes the run's objects: its pods get their termination grace
// period.
func (s *gang) Stop(ctx context.Context, grace time.Duration) error {
	return deleteRun(ctx, s.conn, s.loc.Namespace, s.spec.RunID)
}

// Follow supervises the run until it ends, restarting the gang within the
// retry budgets. When ctx is done first the Job goes on, and the next
// apply re-attaches.
func (s *gang) Follow(ctx context.Context, w *runflow.Watch) runflow.Outcome {
	s.w = w
	s.seenPods, s.lastActivity, s.attemptStart = map[string]*corev1.Pod{}, time.Now(), time.Now()
	s.logs = newLogFollower(ctx, s.conn, s.loc.Namespace)
	defer func() { s.logs.stop() }()
	poke, done := s.hub.subscribe(s.spec.RunID)
	defer done()
	tick := time.NewTicker(progressEvery)
	defer tick.Stop()
	for {
		select {
		case <-poke:
			if out, end := s.evaluate(ctx); end {
				return out
			}
		case l := <-s.logs.lines:
			s.line(l)
			if out, end := s.outputsReady(ctx, l); end {
				return out
			}
		case <-tick.C:
			s.explainNoPods(ctx)
			w.Flush(ctx)
			s.progress(true)
			if out, end := s.checkHang(ctx); end {
				return out
			}
		case <-ctx.Done():
			s.facts.Status = training.StatusRunning
			return runflow.Outcome{Facts: s.facts, Detail: fmt.Sprintf("in the cluster (Job %s/%s)", s.loc.Namespace, s.loc.Job)}
		}
	}
}

// evaluate looks at the run's Job and pods in the watch caches.
func (s *gang) evaluate(ctx context.Context) (runflow.Outcome, bool) {
	var job *batchv1.Job
	for _, j := range s.hub.runJobs(s.spec.RunID) {
		if j.Name == s.spec.jobName() {
			job = j
		}
	}
	if job == nil {
		if !s.seenJob {
			return runflow.Outcome{}, false // the cache has not seen it yet
		}
		return s.end(ctx, training.StatusCancelled, fmt.Sprintf("Job %s/%s was deleted outside mltf while it ran", s.loc.Namespace, s.spec.jobName()))
	}
	s.seenJob = true
	attempt := strconv.Itoa(s.spec.Attempt)
	var pods []*corev1.Pod
	current := map[string]bool{}
	for _, pod := range s.hub.runPods(s.spec.RunID) {
		if pod.Labels[labelAttempt] == attempt {
			pods = append(pods, pod)
			current[pod.Name] = true
			s.seenPods[pod.Name] = pod
		}
	}
	s.logs.follow(pods)
	if len(pods) > 0 {
		s.podsSeen = true
	}
	if jobDone(job) == string(batchv1.JobComplete) {
		return s.endWithOutputs(ctx)
	}
	if out, end := s.stage(ctx, pods); end {
		return out, true
	}
	if f := classify(job, pods, s.seenPods, current); f != nil {
		return s.restart(ctx, *f)
	}
	s.describe(job, pods)
	return runflow.Outcome{}, false
}

// classify finds why the attempt failed, if it did: a pod preempted,
// evicted or lost counts against infrastructure, a container's non-zero
// exit against user_error.
func classify(job *batchv1.Job, pods []*corev1.Pod, seen map[string]*corev1.Pod, current map[string]bool) *failure {
	var user *failure
	for _, pod := range pods {
		idx := completionIndex(pod)
		for _, c := range pod.Status.Conditions {
			if c.Type == corev1.DisruptionTarget && c.Status == corev1.ConditionTrue {
				return &failure{Cause: causeInfra, Pod: pod.Name, Node: idx,
					Detail: fmt.Sprintf("pod %s (node %d) was disrupted: %s %s", pod.Name, idx, c.Reason, c.Message)}
			}
		}
		if pod.Status.Phase != corev1.PodFailed {
			continue
		}
		switch pod.Status.Reason {
		case "Evicted", "NodeLost", "Shutdown", "Terminated", "UnexpectedAdmissionError", "NodeAffinity", "OutOfcpu", "OutOfmemory":
			return &failure{Cause: causeInfra, Pod: pod.Name, Node: idx,
				Detail: fmt.Sprintf("pod %s (node %d) failed: %s %s", pod.Name, idx, pod.Status.Reason, pod.Status.Message)}
		}
		for _, cs := range pod.Status.ContainerStatuses {
			t := cs.State.Terminated
			if t == nil || t.ExitCode == 0 {
				continue
			}
			if t.ExitCode == 137 || t.ExitCode == 143 || t.Signal != 0 || t.Reason == "OOMKilled" {
				return &failure{Cause: causeInfra, Pod: pod.Name, Node: idx,
					Detail: fmt.Sprintf("pod %s (node %d) was killed: exit code %d (%s)", pod.Name, idx, t.ExitCode, t.Reason)}
			}
			if user == nil {
				user = &failure{Cause: causeUser, Pod: pod.Name, Node: idx,
					Detail: fmt.Sprintf("pod %s (node %d) exited with code %d", pod.Name, idx, t.ExitCode)}
			}
		}
		if user == nil {
			user = &failure{Cause: causeInfra, Pod: pod.Name, Node: idx, Detail: fmt.Sprintf("pod %s (node %d) failed: %s", pod.Name, idx, pod.Status.Message)}
		}
	}
	if user != nil {
		return user
	}
	for name, pod := range seen {
		if !current[name] && pod.Status.Phase != corev1.PodSucceeded {
			return &failure{Cause: causeInfra, Pod: name, Node: completionIndex(pod),
				Detail: fmt.Sprintf("pod %s (node %d) was deleted (lost node, eviction or by hand)", name, completionIndex(pod))}
		}
	}
	if jobDone(job) == string(batchv1.JobFailed) {
		msg := ""
		for _, c := range job.Status.Conditions {
			if c.Type == batchv1.JobFailed {
				msg = c.Reason + ": " + c.Message
			}
		}
		return &failure{Cause: causeInfra, Node: -1, Detail: fmt.Sprintf("Job %s failed: %s", job.Name, msg)}
	}
	return nil
}

// restart replaces the Job with the next attempt when the budget of the
// failure's cause allows, else ends the run as failed.
func (s *gang) restart(ctx context.Context, f failure) (runflow.Outcome, bool) {
	c := s.spec.Config
	budget := runflow.Budget(&c.Config, f.Cause)
	if !runflow.MayRestart(&c.Config, s.facts.Restarts, f.Cause) {
		lines := s.logs.tail(max(f.Node, 0))
		if len(lines) == 0 && f.Pod != "" {
			lines = fetchTail(ctx, s.conn, s.loc.Namespace, f.Pod)
		}
		detail := fmt.Sprintf("%s; retry.%s = %d is spent (%d %s so far).", f.Detail, f.Cause, budget, s.facts.Restarts[f.Cause], training.Plural(s.facts.Restarts[f.Cause], "restart", "restarts"))
		if len(lines) > 0 {
			detail += fmt.Sprintf("\nLast lines of node %d:\n  %s", max(f.Node, 0), strings.Join(lines, "\n  "))
		}
		return s.end(ctx, training.StatusFailed, detail)
	}
	s.facts.Restarts = maps.Clone(s.facts.Restarts)
	s.facts.Restarts[f.Cause]++
	s.spec.Restarts = s.facts.Restarts
	old := s.spec.jobName()
	s.event(fmt.Sprintf("%s; restarting all %d pods (%s restart %d of %d), resuming from the newest committed checkpoint",
		f.Detail, c.Nodes, f.Cause, s.facts.Restarts[f.Cause], budget))
	if err := s.conn.remove(ctx, gvrJob, s.loc.Namespace, old); err != nil {
		s.w.Warn("Cannot delete the failed Job", explain(err))
	}
	s.spec.Attempt++
	u, err := toUnstructured(s.spec.job())
	if err == nil {
		_, err = s.conn.apply(ctx, gvrJob, u)
	}
	if err != nil {
		return s.end(ctx, training.StatusFailed, "cannot create the Job of the next attempt: "+explain(err))
	}
	s.loc.Job, s.loc.Attempt = s.spec.jobName(), s.spec.Attempt
	s.seenJob, s.seenPods, s.allRunning = false, map[string]*corev1.Pod{}, false
	s.attemptStart, s.lastActivity = time.Now(), time.Now()
	s.w.Checkpoint(s.facts, s.loc)
	return runflow.Outcome{}, false
}

// end finishes the run: its last metrics and final facts.
func (s *gang) end(ctx context.Context, status, detail string) (runflow.Outcome, bool) {
	// Drain what the log streams still hold.
	if status == training.StatusFinished {
		deadline, ended := time.After(2*time.Second), s.logs.ended()
	drain:
		for {
			select {
			case l := <-s.logs.lines:
				s.line(l)
			case <-deadline:
				break drain
			case <-ended:
				for len(s.logs.lines) > 0 {
					s.line(<-s.logs.lines)
				}
				break drain
			}
		}
		markCompleted(ctx, s.conn, s.loc.Namespace, s.loc.Job, s.w)
	}
	s.facts.Status = status
	s.facts.Finished = time.Now().UTC().Truncate(time.Second)
	if status != training.StatusFinished {
		s.facts.ArtifactURI = ""
	}
	return runflow.Outcome{Facts: s.facts, Ended: true, Detail: detail}, true
}

// line handles one log line: a log event, and the metrics of node 0.
func (s *gang) line(l logLine) {
	s.lastActivity = time.Now()
	src := fmt.Sprintf("node %d", l.Node)
	if l.Node < 0 {
		src = "mltf"
	}
	s.w.Log(src, l.Text)
	if l.Node != 0 {
		return
	}
	m, ok := parseMetric(l.Text)
	if !ok {
		return
	}
	s.step = m.Step
	if m.Total > 0 {
		s.total = m.Total
	}
	now := time.Now()
	for _, name := range training.SortedKeys(m.Values) {
		v := m.Values[name]
		s.facts.Metrics[name] = v
		s.w.Metric(name, m.Step, v, now)
	}
	s.progress(true)
}

// describe says where the attempt stands: queued, scheduling, running.
func (s *gang) describe(job *batchv1.Job, pods []*corev1.Pod) {
	c := s.spec.Config
	msg := ""
	switch {
	case job.Spec.Suspend != nil && *job.Spec.Suspend:
		msg = fmt.Sprintf("queued in Kueue (LocalQueue %s)", job.Labels[labelKueueQueue])
	default:
		running, pending, why := 0, 0, ""
		for _, pod := range pods {
			switch pod.Status.Phase {
			case corev1.PodRunning, corev1.PodSucceeded:
				running++
			case corev1.PodPending:
				pending++
				for _, cond := range pod.Status.Conditions {
					if cond.Type == corev1.PodScheduled && cond.Status == corev1.ConditionFalse && cond.Message != "" {
						why = cond.Message
					}
				}
			}
		}
		switch {
		case running == c.Nodes:
			msg = fmt.Sprintf("running, attempt %d", s.spec.Attempt)
			if !s.allRunning {
				s.allRunning = true
				s.event(fmt.Sprintf("all %d pods running after %s (attempt %d)", c.Nodes, time.Since(s.attemptStart).Round(10*time.Millisecond), s.spec.Attempt))
			}
		case why != "":
			msg = fmt.Sprintf("waiting for %d of %d pods to be scheduled: %s", c.Nodes-running, c.Nodes, why)
		default:
			msg = fmt.Sprintf("starting: %d of %d pods running", running, c.Nodes)
		}
	}
	if msg != s.lastMessage {
		s.lastMessage = msg
		s.progress(false)
	}
}

// progress sends the current summary.
func (s *gang) progress(withMetrics bool) {
	if s.lastMessage == "" {
		return
	}
	p := providers.Progress{Message: s.lastMessage, Step: s.step, Total: s.total, Elapsed: time.Since(s.facts.Started)}
	if withMetrics && len(s.facts.Metrics) > 0 {
		p.Metrics = maps.Clone(s.facts.Metrics)
	}
	s.w.Progress(p)
}

func (s *gang) event(line string) {
	s.w.Log("mltf", line)
}

// checkHang restarts a gang whose pods all run but say nothing for
// hang_timeout (only when logs can be streamed at all).
func (s *gang) checkHang(ctx context.Context) (runflow.Outcome, bool) {
	c := s.spec.Config
	if !s.allRunning || !s.logs.streaming() || time.Since(s.lastActivity) < c.HangTimeout {
		return runflow.Outcome{}, false
	}
	return s.restart(ctx, failure{Cause: causeInfra, Node: -1,
		Detail: fmt.Sprintf("no pod wrote a line for %s (hang_timeout)", c.HangTimeout)})
}

// explainNoPods says why a Job has no pods after a while: the Job
// controller's last warning (a quota, an admission webhook, a missing
// ServiceAccount). One request every 30 seconds, only while that lasts.
func (s *gang) explainNoPods(ctx context.Context) {
	if !s.seenJob || s.podsSeen || time.Since(s.attemptStart) < 10*time.Second || time.Since(s.lastExplain) < 30*time.Second {
		return
	}
	s.lastExplain = time.Now()
	list, err := s.conn.typed.CoreV1().Events(s.loc.Namespace).List(ctx, metav1.ListOptions{
		FieldSelector: "involvedObject.kind=Job,involvedObject.name=" + s.spec.jobName()})
	if err != nil || len(list.Items) == 0 {
		return
	}
	last := list.Items[0]
	for _, e := range list.Items {
		if e.LastTimestamp.After(last.LastTimestamp.Time) {
			last = e
		}
	}
	if last.Type == corev1.EventTypeWarning {
		s.lastMessage = fmt.Sprintf("no pods yet: %s: %s", last.Reason, last.Message)
		s.progress(false)
	}
}
