package views

import (
	"encoding/json"
	"io"
	"time"

	"github.com/mltf/mltf/state/tracking"
)

// jsonModel is one model in mltf models list -json.
type jsonModel struct {
	Name     string           `json:"name"`
	Versions int64            `json:"versions"`
	Latest   int64            `json:"latest"`
	Updated  time.Time        `json:"updated"`
	Aliases  map[string]int64 `json:"aliases"`
}

// ModelsJSON is the document of mltf models list -json.
func ModelsJSON(w io.Writer, models []tracking.ModelSummary) {
	out := []jsonModel{}
	for _, m := range models {
		aliases := m.Aliases
		if aliases == nil {
			aliases = map[string]int64{}
		}
		out = append(out, jsonModel{Name: m.Name, Versions: m.Versions, Latest: m.Latest, Updated: m.Updated.UTC(), Aliases: aliases})
	}
	writeJSON(w, struct {
		FormatVersion string      `json:"format_version"`
		Models        []jsonModel `json:"models"`
	}{JSONFormatVersion, out})
}

// ModelVersion is one version of a model with what mltf models show
// prints about it.
type ModelVersion struct {
	tracking.ModelVersion
	// Aliases point at this version now.
	Aliases []string
	// Run is the run the version comes from; nil when the tracking store
	// no longer has it.
	Run *tracking.Run
	// Experiment is the name of the run's experiment.
	Experiment string
}

// ModelVersionJSON is the document of mltf models show -json.
func ModelVersionJSON(w io.Writer, v ModelVersion) {
	j := struct {
		FormatVersion string             `json:"format_version"`
		Model         string             `json:"model"`
		Version       int64              `json:"version"`
		Aliases       []string           `json:"aliases"`
		RunID         string             `json:"run_id"`
		ArtifactURI   string             `json:"artifact_uri"`
		ContentHash   string             `json:"content_hash"`
		Metrics       map[string]float64 `json:"metrics"`
		Created       time.Time          `json:"created"`
		Lineage       tracking.Lineage   `json:"lineage"`
		Run           *jsonRun           `json:"run,omitempty"`
	}{
		FormatVersion: JSONFormatVersion, Model: v.Model, Version: v.Version, Aliases: v.Aliases, RunID: v.RunID,
		ArtifactURI: v.ArtifactURI, ContentHash: v.ContentHash, Metrics: v.Metrics, Created: v.Created.UTC(), Lineage: v.Lineage,
	}
	if j.Aliases == nil {
		j.Aliases = []string{}
	}
	if j.Metrics == nil {
		j.Metrics = map[string]float64{}
	}
	if v.Run != nil {
		r := runJSON(*v.Run, v.Experiment)
		j.Run = &r
	}
	writeJSON(w, j)
}

// jsonAliasMove is one move in mltf models history -json.
type jsonAliasMove struct {
	Model        string          `json:"model"`
	Alias        string          `json:"alias"`
	Seq          int64           `json:"seq"`
	From         int64           `json:"from"`
	To           int64           `json:"to"`
	When         time.Time       `json:"when"`
	Who          string          `json:"who"`
	StateLineage string          `json:"state_lineage,omitempty"`
	StateSerial  int64           `json:"state_serial,omitempty"`
	PlanSerial   int64           `json:"plan_serial,omitempty"`
	Gates        json.RawMessage `json:"gates"`
}

// AliasHistoryJSON is the document of mltf models history -json.
func AliasHistoryJSON(w io.Writer, moves []tracking.AliasMove) {
	out := []jsonAliasMove{}
	for _, m := range moves {
		gates := m.Gates
		if len(gates) == 0 {
			gates = json.RawMessage("[]")
		}
		out = append(out, jsonAliasMove{
			Model: m.Model, Alias: m.Alias, Seq: m.Seq, From: m.From, To: m.To, When: m.When.UTC(), Who: m.Who,
			StateLineage: m.StateLineage, StateSerial: m.StateSerial, PlanSerial: m.PlanSerial, Gates: gates,
		})
	}
	writeJSON(w, struct {
		FormatVersion string          `json:"format_version"`
		Moves         []jsonAliasMove `json:"moves"`
	}{JSONFormatVersion, out})
}
