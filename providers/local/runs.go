package local

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mltf/mltf/kinds/training"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/local/launcher"
	"github.com/mltf/mltf/providers/runflow"
)

// runMeta is what the provider writes beside a run it launched
// (run.json): who the run belongs to, for reuse and for tracking.
type runMeta struct {
	RunID        string          `json:"run_id"`
	Fingerprint  string          `json:"fingerprint"`
	Address      string          `json:"address"`
	Workspace    string          `json:"workspace"`
	ExperimentID string          `json:"experiment_id,omitempty"`
	Experiment   string          `json:"experiment,omitempty"`
	Params       json.RawMessage `json:"params"`
	Host         string          `json:"host"`
	GPUs         []string        `json:"gpus,omitempty"`
	ArtifactURI  string          `json:"artifact_uri,omitempty"` // set once uploaded
}

const (
	metaFile          = "run.json"
	trackedOffsetFile = "tracked.offset"
)

func readMeta(dir string) (runMeta, error) {
	var m runMeta
	b, err := os.ReadFile(filepath.Join(dir, metaFile))
	if err != nil {
		return m, err
	}
	return m, json.Unmarshal(b, &m)
}

func writeMeta(dir string, m runMeta) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, metaFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, metaFile))
}

// runDir is the directory of a run launched from this working directory.
func runDir(s providers.Settings, runID string) string { return filepath.Join(s.RunsDir, runID) }

func checkpointURI(dir string) string { return "file://" + filepath.Join(dir, "checkpoints") }

// factsFromStatus are the computed attributes of a run as its supervisor
// and run.json tell them.
func factsFromStatus(dir string, m runMeta, st launcher.Status) training.RunFacts {
	f := training.RunFacts{
		RunID: m.RunID, Fingerprint: m.Fingerprint, Status: statusOf(st.State), Metrics: st.Metrics,
		CheckpointURI: checkpointURI(dir), Restarts: st.Restarts, Started: st.Started, Finished: st.Finished,
	}
	if st.State == launcher.Succeeded {
		f.ArtifactURI = m.ArtifactURI
	}
	return f
}

// finished finds the newest finished run with the fingerprint among this
// working directory's runs.
func finished(s providers.Settings, fp string) (training.RunFacts, bool) {
	entries, err := os.ReadDir(s.RunsDir)
	if err != nil {
		return training.RunFacts{}, false
	}
	var best training.RunFacts
	for _, e := range entries {
		dir := filepath.Join(s.RunsDir, e.Name())
		m, err := readMeta(dir)
		if err != nil || m.Fingerprint != fp || m.ArtifactURI == "" {
			continue
		}
		st, err := launcher.ReadStatus(dir)
		if err != nil || st.State != launcher.Succeeded {
			continue
		}
		if f := factsFromStatus(dir, m, st); f.Finished.After(best.Finished) {
			best = f
		}
	}
	return best, best.RunID != ""
}

// ingest reads the metric records the supervisor wrote since the last
// ingest, reports them to w (events and tracking store), and remembers
// how far it got once they are written. It returns the number of points.
func ingest(ctx context.Context, run *launcher.Run, w *runflow.Watch) (int, error) {
	offPath := filepath.Join(run.Dir, trackedOffsetFile)
	var off int64
	if b, err := os.ReadFile(offPath); err == nil {
		json.Unmarshal(b, &off)
	}
	recs, next, err := run.Metrics(off)
	if err != nil || len(recs) == 0 {
		return 0, err
	}
	n := 0
	for _, r := range recs {
		for _, name := range slices.Sorted(maps.Keys(r.Values)) {
			w.Metric(name, r.Step, r.Values[name], r.Time)
			n++
		}
	}
	if err := w.Flush(ctx); err != nil {
		return 0, err
	}
	b, _ := json.Marshal(next)
	return n, os.WriteFile(offPath, b, 0o644)
}

// env is what the run's record says of where it runs.
func env(m runMeta, st launcher.Status) map[string]string {
	env := map[string]string{"host": m.Host}
	if len(m.GPUs) > 0 {
		env["gpus"] = strings.Join(m.GPUs, ",")
	}
	for k, v := range st.Env {
		env[k] = v
	}
	return env
}

func statusOf(s launcher.State) string {
	switch s {
	case launcher.Succeeded:
		return training.StatusFinished
	case launcher.Failed:
		return training.StatusFailed
	case launcher.Cancelled:
		return training.StatusCancelled
	}
	return training.StatusRunning
}
