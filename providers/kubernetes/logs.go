package kubernetes

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// logLine is one line of a pod's log.
type logLine struct {
	Node int // completion index; -1 for mltf's own remarks
	Pod  string
	Text string
}

// logFollower streams the logs of a run's pods: one follow request per pod
// once its container has started, never polling.
type logFollower struct {
	ctx    context.Context
	cancel context.CancelFunc
	conn   *conn
	ns     string
	lines  chan logLine

	mu      sync.Mutex
	started map[types.UID]bool
	tails   map[int][]string // last lines by node
	ok      bool             // some stream worked
	streams sync.WaitGroup   // the streams started
}

const tailLines = 20

func newLogFollower(ctx context.Context, c *conn, namespace string) *logFollower {
	ctx, cancel := context.WithCancel(ctx)
	return &logFollower{ctx: ctx, cancel: cancel, conn: c, ns: namespace, lines: make(chan logLine, 1024),
		started: map[types.UID]bool{}, tails: map[int][]string{}}
}

func (f *logFollower) stop() { f.cancel() }

// follow starts streaming the pods not streamed yet whose container started.
func (f *logFollower) follow(pods []*corev1.Pod) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, pod := range pods {
		if f.started[pod.UID] || !containerStarted(pod) {
			continue
		}
		f.started[pod.UID] = true
		f.streams.Add(1)
		go f.stream(pod.Name, completionIndex(pod))
	}
}

func (f *logFollower) stream(pod string, node int) {
	defer f.streams.Done()
	req := f.conn.typed.CoreV1().Pods(f.ns).GetLogs(pod, &corev1.PodLogOptions{Container: "training", Follow: true})
	rc, err := req.Stream(f.ctx)
	if err != nil {
		if f.ctx.Err() == nil {
			f.send(logLine{Node: -1, Pod: pod, Text: fmt.Sprintf("cannot stream the log of pod %s: %v", pod, err)})
		}
		return
	}
	defer rc.Close()
	f.mu.Lock()
	f.ok = true
	f.mu.Unlock()
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		f.send(logLine{Node: node, Pod: pod, Text: sc.Text()})
	}
}

func (f *logFollower) send(l logLine) {
	if l.Node >= 0 {
		f.mu.Lock()
		t := append(f.tails[l.Node], l.Text)
		if len(t) > tailLines {
			t = t[len(t)-tailLines:]
		}
		f.tails[l.Node] = t
		f.mu.Unlock()
	}
	select {
	case f.lines <- l:
	case <-f.ctx.Done():
	}
}

// ended is closed once every stream started so far has ended: a Job
// that had already succeeded when an apply adopted it ends before its
// pods' logs (and last metrics) are read.
func (f *logFollower) ended() <-chan struct{} {
	ch := make(chan struct{})
	go func() { f.streams.Wait(); close(ch) }()
	return ch
}

// streaming says whether some log stream worked (hang detection needs it).
func (f *logFollower) streaming() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ok
}

// tail returns the last lines seen of a node.
func (f *logFollower) tail(node int) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.tails[node]...)
}

// fetchTail reads the last lines of a pod's log in one request.
func fetchTail(ctx context.Context, c *conn, ns, pod string) []string {
	n := int64(tailLines)
	b, err := c.typed.CoreV1().Pods(ns).GetLogs(pod, &corev1.PodLogOptions{Container: "training", TailLines: &n}).DoRaw(ctx)
	if err != nil {
		return nil
	}
	return strings.Split(strings.TrimRight(string(b), "\n"), "\n")
}

func containerStarted(pod *corev1.Pod) bool {
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.State.Running != nil || cs.State.Terminated != nil {
			return true
		}
	}
	return false
}

func completionIndex(pod *corev1.Pod) int {
	v, ok := pod.Labels["batch.kubernetes.io/job-completion-index"]
	if !ok {
		v = pod.Annotations["batch.kubernetes.io/job-completion-index"]
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0
	}
	return n
}

// metricLine is a parsed `mltf.metric {json}` line.
type metricLine struct {
	Step, Total int64
	Values      map[string]float64
}

const metricPrefix = "mltf.metric "

// parseMetric reads a metric line of the training contract; ok is false
// for any other line.
func parseMetric(line string) (metricLine, bool) {
	line = strings.TrimRight(line, "\r")
	if !strings.HasPrefix(line, metricPrefix) {
		return metricLine{}, false
	}
	d := json.NewDecoder(strings.NewReader(line[len(metricPrefix):]))
	d.UseNumber()
	var raw map[string]any
	if d.Decode(&raw) != nil {
		return metricLine{}, false
	}
	m := metricLine{Values: map[string]float64{}}
	for k, v := range raw {
		n, ok := v.(json.Number)
		if !ok {
			continue
		}
		f, err := n.Float64()
		if err != nil {
			continue
		}
		switch k {
		case "step":
			m.Step = int64(f)
		case "total":
			m.Total = int64(f)
		default:
			m.Values[k] = f
		}
	}
	return m, true
}
