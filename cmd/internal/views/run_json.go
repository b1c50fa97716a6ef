package views

import (
	"encoding/json"
	"io"
	"time"

	"github.com/mltf/mltf/state/tracking"
)

// jsonRun is one run in mltf runs show -json.
type jsonRun struct {
	FormatVersion string             `json:"format_version,omitempty"`
	ID            string             `json:"id"`
	Name          string             `json:"name,omitempty"`
	Experiment    string             `json:"experiment"`
	ExperimentID  string             `json:"experiment_id"`
	Status        string             `json:"status"`
	Address       string             `json:"address"`
	Workspace     string             `json:"workspace"`
	Fingerprint   string             `json:"fingerprint"`
	GitCommit     string             `json:"git_commit"`
	GitDirty      bool               `json:"git_dirty"`
	Params        json.RawMessage    `json:"params"`
	Metrics       map[string]float64 `json:"metrics"`
	Restarts      map[string]int     `json:"restarts"`
	ArtifactURI   string             `json:"artifact_uri"`
	Env           map[string]string  `json:"env"`
	Started       *time.Time         `json:"started,omitempty"`
	Finished      *time.Time         `json:"finished,omitempty"`
}

// RunJSON is the document of mltf runs show -json; experiment is the
// experiment's name.
func RunJSON(w io.Writer, r tracking.Run, experiment string) {
	j := runJSON(r, experiment)
	j.FormatVersion = JSONFormatVersion
	writeJSON(w, j)
}

// runJSON is a run as it appears inside other documents.
func runJSON(r tracking.Run, experiment string) jsonRun {
	j := jsonRun{
		ID: r.ID, Name: r.Name, Experiment: experiment, ExperimentID: r.ExperimentID,
		Status: r.Status, Address: r.Address, Workspace: r.Workspace, Fingerprint: r.Fingerprint,
		GitCommit: r.GitCommit, GitDirty: r.GitDirty, Params: r.Params, Metrics: r.Metrics, Restarts: r.Restarts,
		ArtifactURI: r.ArtifactURI, Env: r.Env,
	}
	if len(j.Params) == 0 {
		j.Params = json.RawMessage("{}")
	}
	if j.Metrics == nil {
		j.Metrics = map[string]float64{}
	}
	if j.Restarts == nil {
		j.Restarts = map[string]int{}
	}
	if j.Env == nil {
		j.Env = map[string]string{}
	}
	if !r.Started.IsZero() {
		t := r.Started.UTC()
		j.Started = &t
	}
	if !r.Finished.IsZero() {
		t := r.Finished.UTC()
		j.Finished = &t
	}
	return j
}
