package views

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mltf/mltf/state/tracking"
)

var (
	started  = time.Date(2026, 12, 1, 23, 10, 0, 0, time.UTC)
	finished = started.Add(61 * time.Second)
	run      = tracking.Run{
		ID: "9bec929093624fa787b92602752a31ab", ExperimentID: "5d1e0c4a", Status: "finished",
		Fingerprint: "f1e2d3", GitCommit: "abc123", Params: json.RawMessage(`{"lr":0.05}`),
		Env: map[string]string{"python": "3.11.2"}, ArtifactURI: "file:///a/9bec", Metrics: map[string]float64{"accuracy": 0.95},
		Restarts: map[string]int{"infrastructure": 1}, Started: started, Finished: finished, Address: "training.mlp", Workspace: "default",
	}
	version = tracking.ModelVersion{
		Model: "digits", Version: 2, RunID: run.ID, ArtifactURI: "file:///a/models/digits/2", ContentHash: "c0ffee",
		Lineage: tracking.Lineage{RunID: run.ID, Address: "training.mlp", Workspace: "default", Params: json.RawMessage(`{"lr":0.05}`),
			Datasets: map[string]tracking.DatasetRef{"train": {Location: "file://data/digits.csv", Fingerprint: "9f2c", Version: 1}}},
		Metrics: map[string]float64{"accuracy": 0.95}, Created: finished,
	}
)

// dataKeys are the JSON objects whose keys are the user's names (params,
// metrics, outputs, ...), not the document's.
var dataKeys = map[string]bool{"params": true, "metrics": true, "env": true, "restarts": true, "aliases": true, "outputs": true, "datasets": true, "statistics": true}

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// checkDocument checks what every JSON document of mltf promises: a
// format_version, and snake_case keys.
func checkDocument(t *testing.T, doc string) {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatalf("not a JSON object: %v\n%s", err, doc)
	}
	if v["format_version"] != JSONFormatVersion {
		t.Errorf("format_version = %v, want %q", v["format_version"], JSONFormatVersion)
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				if !snakeCase.MatchString(k) {
					t.Errorf("key %q at %s is not snake_case", k, path)
				}
				if !dataKeys[k] {
					walk(path+"."+k, e)
				}
			}
		case []any:
			for _, e := range v {
				walk(path+"[]", e)
			}
		}
	}
	walk("$", v)
}

func TestGoldenJSON(t *testing.T) {
	cases := map[string]func(*strings.Builder){
		"version":   func(b *strings.Builder) { VersionJSON(b, "0.1.0") },
		"runs_show": func(b *strings.Builder) { RunJSON(b, run, "digits") },
		"models_list": func(b *strings.Builder) {
			ModelsJSON(b, []tracking.ModelSummary{{Name: "digits", Versions: 2, Latest: 2, Updated: finished, Aliases: map[string]int64{"production": 2}}})
		},
		"models_list_empty": func(b *strings.Builder) { ModelsJSON(b, nil) },
		"models_show": func(b *strings.Builder) {
			ModelVersionJSON(b, ModelVersion{ModelVersion: version, Aliases: []string{"production"}, Run: &run, Experiment: "digits"})
		},
		"models_history": func(b *strings.Builder) {
			AliasHistoryJSON(b, []tracking.AliasMove{{Model: "digits", Alias: "production", Seq: 1, To: 2, When: finished, Who: "ci@runner",
				StateLineage: "4b0f", StateSerial: 3, Gates: json.RawMessage(`[{"gate":0,"condition":"self.candidate.metrics.accuracy >= 0.9","passed":true}]`)}})
		},
		"datasets_show": func(b *strings.Builder) {
			DatasetJSON(b, "dataset.digits", map[string]any{"source": "file://data/digits.csv", "version": 1.0, "fingerprint": "9f2c", "row_count": 1797.0, "bytes": 25e3})
		},
		"output": func(b *strings.Builder) {
			OutputsJSON(b, map[string]Output{
				"accuracy": {Type: json.RawMessage(`"number"`), Value: json.RawMessage(`0.95`)},
				"token":    {Sensitive: true, Type: json.RawMessage(`"string"`), Value: json.RawMessage(`"s3cret"`)},
			})
		},
	}
	for name, render := range cases {
		t.Run(name, func(t *testing.T) {
			var b strings.Builder
			render(&b)
			checkDocument(t, b.String())
			golden(t, "json/"+name+".json", b.String())
		})
	}
}
