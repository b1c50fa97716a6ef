package local

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/local/launcher"
	"github.com/mltf/mltf/providers/trainingkind"
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
	GitCommit    string          `json:"git_commit,omitempty"`
	GitDirty     bool            `json:"git_dirty,omitempty"`
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
func factsFromStatus(dir string, m runMeta, st launcher.Status) trainingkind.RunFacts {
	f := trainingkind.RunFacts{
		RunID: m.RunID, Fingerprint: m.Fingerprint, Status: statusOf(st.State), Metrics: st.Metrics,
		CheckpointURI: checkpointURI(dir), Restarts: st.Restarts, Started: st.Started, Finished: st.Finished,
	}
	if st.State == launcher.Succeeded {
		f.ArtifactURI = m.ArtifactURI
	}
	return f
}

// findFinished looks for a finished run with the fingerprint: in the
// tracking store (any workspace, any machine that shares it), then among
// this working directory's runs.
func (p *Provider) findFinished(ctx context.Context, tr Tracker, s providers.Settings, fp string) (trainingkind.RunFacts, bool) {
	if tr != nil {
		r, err := tr.FindRunByFingerprint(ctx, fp)
		if err == nil && r.Status == trainingkind.StatusFinished {
			return trainingkind.RunFacts{
				RunID: r.ID, Fingerprint: r.Fingerprint, Status: trainingkind.StatusFinished, Metrics: r.Metrics,
				ArtifactURI: r.ArtifactURI, CheckpointURI: checkpointURI(runDir(s, r.ID)), Restarts: r.Restarts,
				Started: r.Started, Finished: r.Finished,
			}, true
		}
	}
	entries, err := os.ReadDir(s.RunsDir)
	if err != nil {
		return trainingkind.RunFacts{}, false
	}
	var best trainingkind.RunFacts
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

// gitState is the commit of the working directory and whether it has
// uncommitted changes; empty outside a git repository.
func gitState(ctx context.Context, dir string) (commit string, dirty bool) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "git", "-C", dir, "rev-parse", "HEAD").Output()
	if err != nil {
		return "", false
	}
	commit = strings.TrimSpace(string(out))
	out, err = exec.CommandContext(ctx, "git", "-C", dir, "status", "--porcelain").Output()
	return commit, err == nil && len(strings.TrimSpace(string(out))) > 0
}

// ingest reads the metric records the supervisor wrote since the last
// ingest, sends them as events and to the tracking store, and remembers
// how far it got. It returns the number of points.
func ingest(ctx context.Context, run *launcher.Run, runID string, tr Tracker, events func(providers.Event)) (int, error) {
	offPath := filepath.Join(run.Dir, trackedOffsetFile)
	var off int64
	if b, err := os.ReadFile(offPath); err == nil {
		json.Unmarshal(b, &off)
	}
	recs, next, err := run.Metrics(off)
	if err != nil || len(recs) == 0 {
		return 0, err
	}
	var points []MetricRecord
	for _, r := range recs {
		for _, name := range trainingkind.SortedKeys(r.Values) {
			points = append(points, MetricRecord{RunID: runID, Name: name, Step: r.Step, Value: r.Values[name], Time: r.Time})
			if events != nil {
				events(providers.Event{Type: providers.EventMetric, Time: r.Time,
					Metric: &providers.MetricPoint{Name: name, Step: r.Step, Value: r.Values[name]}})
			}
		}
	}
	if tr != nil {
		if err := tr.LogMetrics(ctx, points); err != nil {
			return 0, err
		}
	}
	b, _ := json.Marshal(next)
	return len(points), os.WriteFile(offPath, b, 0o644)
}

// record writes the run's current facts to the tracking store.
func record(ctx context.Context, tr Tracker, m runMeta, st launcher.Status, f trainingkind.RunFacts, create bool) error {
	if tr == nil {
		return nil
	}
	env := map[string]string{"host": m.Host}
	if len(m.GPUs) > 0 {
		env["gpus"] = strings.Join(m.GPUs, ",")
	}
	for k, v := range st.Env {
		env[k] = v
	}
	r := RunRecord{
		ID: m.RunID, ExperimentID: m.ExperimentID, ExperimentName: m.Experiment, Name: m.Address, Status: f.Status, Fingerprint: m.Fingerprint,
		GitCommit: m.GitCommit, GitDirty: m.GitDirty, Params: m.Params, Env: env, ArtifactURI: f.ArtifactURI,
		Metrics: f.Metrics, Restarts: f.Restarts, Started: f.Started, Finished: f.Finished,
		Address: m.Address, Workspace: m.Workspace,
	}
	if create {
		return tr.CreateRun(ctx, r)
	}
	return tr.UpdateRun(ctx, r)
}

var errInterrupted = errors.New("interrupted")
