package training

import (
	"math/big"
	"time"

	"github.com/mltf/mltf/providers/ctyval"
	"github.com/zclconf/go-cty/cty"
)

// Statuses of a training value.
const (
	StatusRunning   = "running"
	StatusFinished  = "finished"
	StatusFailed    = "failed"
	StatusCancelled = "cancelled"
)

// RunFacts are the computed attributes of a training.
type RunFacts struct {
	RunID, Fingerprint, Status string
	Metrics                    map[string]float64
	ArtifactURI, CheckpointURI string
	Restarts                   map[string]int
	Started, Finished          time.Time
}

// ComputedAttrs are the attributes RunFacts fill in.
var ComputedAttrs = []string{"run_id", "fingerprint", "status", "metrics", "artifact_uri", "checkpoint_uri", "restarts", "started_at", "finished_at"}

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

// Values are the facts as attribute values, for ObjectWith.
func (f RunFacts) Values() map[string]cty.Value {
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

// UnknownFacts is every computed attribute unknown but the fingerprint.
func UnknownFacts(fingerprint cty.Value) map[string]cty.Value {
	m := map[string]cty.Value{
		"metrics":  cty.UnknownVal(cty.Map(cty.Number)),
		"restarts": cty.UnknownVal(cty.Map(cty.Number)),
	}
	for _, a := range ComputedAttrs {
		if _, ok := m[a]; !ok {
			m[a] = cty.UnknownVal(cty.String)
		}
	}
	m["fingerprint"] = fingerprint
	return m
}

// FactsOf reads the computed attributes of a training value.
func FactsOf(v cty.Value) RunFacts {
	var f RunFacts
	if v.IsNull() || !v.IsKnown() {
		return f
	}
	str := func(name string) string {
		x := ctyval.Get(v, ctyval.Attr(name))
		if x.IsNull() || !x.IsKnown() || x.Type() != cty.String {
			return ""
		}
		return x.AsString()
	}
	f.RunID, f.Fingerprint, f.Status = str("run_id"), str("fingerprint"), str("status")
	f.ArtifactURI, f.CheckpointURI = str("artifact_uri"), str("checkpoint_uri")
	f.Started, _ = time.Parse(time.RFC3339, str("started_at"))
	f.Finished, _ = time.Parse(time.RFC3339, str("finished_at"))
	if m := ctyval.Get(v, ctyval.Attr("metrics")); m.IsWhollyKnown() && !m.IsNull() && m.CanIterateElements() {
		f.Metrics = map[string]float64{}
		for k, x := range m.AsValueMap() {
			f.Metrics[k], _ = x.AsBigFloat().Float64()
		}
	}
	if m := ctyval.Get(v, ctyval.Attr("restarts")); m.IsWhollyKnown() && !m.IsNull() && m.CanIterateElements() {
		f.Restarts = map[string]int{}
		for k, x := range m.AsValueMap() {
			f.Restarts[k] = ctyval.Int(x)
		}
	}
	return f
}

// PriorFacts are the computed attributes of a prior value as they are,
// so that an unchanged training plans to an equal value.
func PriorFacts(prior cty.Value) map[string]cty.Value {
	m := map[string]cty.Value{}
	empty := RunFacts{}.Values()
	for _, a := range ComputedAttrs {
		m[a] = ctyval.Get(prior, ctyval.Attr(a))
		if m[a].Type() == cty.DynamicPseudoType && m[a].IsNull() {
			m[a] = empty[a]
		}
	}
	return m
}
