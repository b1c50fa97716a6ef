package kubernetes

import (
	"encoding/json"
	"math/big"
	"time"

	"github.com/zclconf/go-cty/cty"
)

// Statuses of a training value.
const (
	statusRunning   = "running"
	statusFinished  = "finished"
	statusFailed    = "failed"
	statusCancelled = "cancelled"
)

// runFacts are the computed attributes of a training.
type runFacts struct {
	RunID, Fingerprint, Status string
	Metrics                    map[string]float64
	ArtifactURI, CheckpointURI string
	Restarts                   map[string]int
	Started, Finished          time.Time
}

var computedAttrs = []string{"run_id", "fingerprint", "status", "metrics", "artifact_uri", "checkpoint_uri", "restarts", "started_at", "finished_at"}

func strOrNull(s string) cty.Value {
	if s == "" {
		return cty.NullVal(cty.String)
	}
	return cty.StringVal(s)
}

func timeOrNull(t time.Time) cty.Value {
	if t.IsZero() {
		return cty.NullVal(cty.String)
	}
	return cty.StringVal(t.UTC().Format(time.RFC3339))
}

func numberMap[N int | float64](m map[string]N) cty.Value {
	if len(m) == 0 {
		return cty.MapValEmpty(cty.Number)
	}
	out := map[string]cty.Value{}
	for k, v := range m {
		out[k] = cty.NumberVal(new(big.Float).SetFloat64(float64(v)))
	}
	return cty.MapVal(out)
}

func (f runFacts) values() map[string]cty.Value {
	return map[string]cty.Value{
		"run_id":         strOrNull(f.RunID),
		"fingerprint":    strOrNull(f.Fingerprint),
		"status":         strOrNull(f.Status),
		"metrics":        numberMap(f.Metrics),
		"artifact_uri":   strOrNull(f.ArtifactURI),
		"checkpoint_uri": strOrNull(f.CheckpointURI),
		"restarts":       numberMap(f.Restarts),
		"started_at":     timeOrNull(f.Started),
		"finished_at":    timeOrNull(f.Finished),
	}
}

// unknownFacts is every computed attribute unknown but the fingerprint.
func unknownFacts(fingerprint cty.Value) map[string]cty.Value {
	m := map[string]cty.Value{
		"metrics":  cty.UnknownVal(cty.Map(cty.Number)),
		"restarts": cty.UnknownVal(cty.Map(cty.Number)),
	}
	for _, a := range computedAttrs {
		if _, ok := m[a]; !ok {
			m[a] = cty.UnknownVal(cty.String)
		}
	}
	m["fingerprint"] = fingerprint
	return m
}

// factsOf reads the computed attributes of a training value.
func factsOf(v cty.Value) runFacts {
	var f runFacts
	if v.IsNull() || !v.IsKnown() {
		return f
	}
	str := func(name string) string {
		x := getPath(v, attr(name))
		if x.IsNull() || !x.IsKnown() || x.Type() != cty.String {
			return ""
		}
		return x.AsString()
	}
	f.RunID, f.Fingerprint, f.Status = str("run_id"), str("fingerprint"), str("status")
	f.ArtifactURI, f.CheckpointURI = str("artifact_uri"), str("checkpoint_uri")
	f.Started, _ = time.Parse(time.RFC3339, str("started_at"))
	f.Finished, _ = time.Parse(time.RFC3339, str("finished_at"))
	if m := getPath(v, attr("metrics")); m.IsWhollyKnown() && !m.IsNull() && m.CanIterateElements() {
		f.Metrics = map[string]float64{}
		for k, x := range m.AsValueMap() {
			f.Metrics[k], _ = x.AsBigFloat().Float64()
		}
	}
	if m := getPath(v, attr("restarts")); m.IsWhollyKnown() && !m.IsNull() && m.CanIterateElements() {
		f.Restarts = map[string]int{}
		for k, x := range m.AsValueMap() {
			f.Restarts[k] = numInt(x)
		}
	}
	return f
}

// priorFacts are the computed attributes of a prior value as they are.
func priorFacts(prior cty.Value) map[string]cty.Value {
	m := map[string]cty.Value{}
	empty := runFacts{}.values()
	for _, a := range computedAttrs {
		m[a] = getPath(prior, attr(a))
		if m[a].Type() == cty.DynamicPseudoType && m[a].IsNull() {
			m[a] = empty[a]
		}
	}
	return m
}

// privateData is what the provider keeps beside a training's value.
type privateData struct {
	Inputs *inputs  `json:"inputs,omitempty"`
	Code   manifest `json:"code,omitempty"`
	// Namespace and Job locate the run's objects.
	Namespace string `json:"namespace,omitempty"`
	Job       string `json:"job,omitempty"`
	Attempt   int    `json:"attempt,omitempty"`
	// Reuse names a finished run with the same fingerprint that apply
	// adopts instead of training; Adopted says it was.
	Reuse   string `json:"reuse,omitempty"`
	Adopted bool   `json:"adopted,omitempty"`
}

func decodePrivate(b []byte) privateData {
	var p privateData
	if len(b) > 0 {
		json.Unmarshal(b, &p)
	}
	return p
}

func (p privateData) encode() []byte {
	b, _ := json.Marshal(p)
	return b
}
