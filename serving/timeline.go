package serving

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// TimelineFile is the file of a front end's directory where it writes,
// every second, each version's traffic and latency, and the events of its
// rollouts: the data of `mltf deployments plot`.
const TimelineFile = "timeline.jsonl"

// TimelinePoint is one line of the timeline: a sample (Versions) or an
// event (Event, with the traffic it set).
type TimelinePoint struct {
	Time     time.Time       `json:"t"`
	Event    string          `json:"event,omitempty"`
	Versions []TimelineShare `json:"versions"`
}

// TimelineShare is one version in a TimelinePoint. Latencies are of the
// second before Time, in milliseconds.
type TimelineShare struct {
	Version  int64   `json:"version"`
	Weight   int     `json:"weight"`
	Shadow   int     `json:"shadow,omitempty"`
	Requests int64   `json:"requests,omitempty"`
	Errors   int64   `json:"errors,omitempty"`
	P50      float64 `json:"p50_ms,omitempty"`
	P95      float64 `json:"p95_ms,omitempty"`
	P99      float64 `json:"p99_ms,omitempty"`
}

type timeline struct {
	mu  sync.Mutex
	f   *os.File
	enc *json.Encoder
}

func openTimeline(dir string) (*timeline, error) {
	if dir == "" {
		return &timeline{}, nil
	}
	f, err := os.OpenFile(filepath.Join(dir, TimelineFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	return &timeline{f: f, enc: json.NewEncoder(f)}, nil
}

func (t *timeline) write(p TimelinePoint) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.enc != nil {
		t.enc.Encode(p)
	}
}

func (t *timeline) event(note string, vs []Version) {
	if note == "" {
		return
	}
	p := TimelinePoint{Time: time.Now(), Event: note}
	for _, v := range vs {
		p.Versions = append(p.Versions, TimelineShare{Version: v.Version, Weight: v.Weight, Shadow: v.Shadow})
	}
	t.write(p)
}

// run samples every second until ctx is done.
func (t *timeline) run(ctx context.Context, sample func() Stats) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	prev := map[int64]VersionStats{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		st := sample()
		p := TimelinePoint{Time: st.Time}
		for _, v := range st.Versions {
			b := prev[v.Version]
			lat := Sub(v.Live.Latency, b.Live.Latency)
			p.Versions = append(p.Versions, TimelineShare{
				Version: v.Version, Weight: v.Weight, Shadow: v.Shadow,
				Requests: v.Live.Requests - b.Live.Requests, Errors: v.Live.Errors - b.Live.Errors,
				P50: ms(Quantile(lat, 0.5)), P95: ms(Quantile(lat, 0.95)), P99: ms(Quantile(lat, 0.99)),
			})
			prev[v.Version] = v
		}
		t.write(p)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func (t *timeline) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.f != nil {
		t.f.Close()
		t.f, t.enc = nil, nil
	}
}

func (s *Server) sample() Stats { return s.Stats() }

// ReadTimeline reads the lines of a timeline; a line that does not parse
// (the last one, cut by a crash) is left out.
func ReadTimeline(r io.Reader) ([]TimelinePoint, error) {
	var out []TimelinePoint
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var p TimelinePoint
		if json.Unmarshal(sc.Bytes(), &p) == nil {
			out = append(out, p)
		}
	}
	return out, sc.Err()
}

// serveTimeline writes the timeline file as it is now.
func (s *Server) serveTimeline(w io.Writer) error {
	if s.dir == "" {
		return nil
	}
	s.timeline.mu.Lock() // no half-written line
	f, err := os.Open(filepath.Join(s.dir, TimelineFile))
	if err != nil {
		s.timeline.mu.Unlock()
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	s.timeline.mu.Unlock()
	if err != nil {
		return err
	}
	_, err = io.Copy(w, io.LimitReader(f, st.Size()))
	return err
}
