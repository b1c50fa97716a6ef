package sweep

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/kinds/sweep/search"
)

// Spec is what makes a study: trials of two sweeps with the same spec are
// comparable and one continues the other. trials, parallel and max_failed
// are not part of it: changing them continues the study.
type Spec struct {
	Params        []string `json:"params"` // "lr log_uniform [0.0001, 0.3]", in space order
	Objective     string   `json:"objective"`
	Sampler       string   `json:"sampler"`
	Seed          uint64   `json:"seed"`
	EarlyStopping string   `json:"early_stopping,omitempty"`
	// Trial is a hash of the trial body, the pool, the experiment and what
	// the provider adds (the code's content hash).
	Trial string `json:"trial"`
}

// Spec returns the sweep's study spec; extra is what the provider knows of
// the trial body beyond its configuration (the code's content hash).
func (c *Config) Spec(extra ...string) Spec {
	s := c.Settings
	sp := Spec{Objective: s.Goal.String() + " " + s.Metric, Sampler: s.Sampler, Seed: s.Seed}
	for _, p := range s.Space {
		sp.Params = append(sp.Params, p.Name+" "+c.describeParam(p))
	}
	if s.Rule != "" {
		sp.EarlyStopping = fmt.Sprintf("%s (min_step %d", s.Rule, s.MinStep)
		if s.Rule == "asha" {
			sp.EarlyStopping += fmt.Sprintf(", reduction_factor %d", s.ReductionFactor)
		}
		if s.MaxStep > 0 {
			sp.EarlyStopping += fmt.Sprintf(", max_step %d", s.MaxStep)
		}
		sp.EarlyStopping += ")"
	}
	h := sha256.New()
	for _, v := range []cty.Value{c.Trial, c.Pool, c.Experiment} {
		fmt.Fprintf(h, "%s\n", paramJSON(v))
	}
	for _, e := range extra {
		fmt.Fprintf(h, "%s\n", e)
	}
	sp.Trial = hex.EncodeToString(h.Sum(nil))[:16]
	return sp
}

// ID is the study's identity.
func (s Spec) ID() string {
	b, _ := json.Marshal(s)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:16]
}

func num(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func (c *Config) describeParam(p search.Param) string {
	switch p.Dist {
	case search.Values:
		parts := make([]string, len(c.Values[p.Name]))
		for i, v := range c.Values[p.Name] {
			parts[i] = paramJSON(v)
		}
		return "values [" + strings.Join(parts, ", ") + "]"
	}
	s := fmt.Sprintf("%s [%s, %s]", p.Dist, num(p.Low), num(p.High))
	if p.Step != 0 {
		s += " step " + num(p.Step)
	}
	return s
}

// Changes says, in the plan's words, why next is a new study and not a
// continuation of prior; none when they are the same study.
func Changes(prior, next Spec) []string {
	var out []string
	pp, np := map[string]string{}, map[string]string{}
	split := func(s string) (string, string) { name, rest, _ := strings.Cut(s, " "); return name, rest }
	for _, s := range prior.Params {
		k, v := split(s)
		pp[k] = v
	}
	for _, s := range next.Params {
		k, v := split(s)
		np[k] = v
		switch old, ok := pp[k]; {
		case !ok:
			out = append(out, fmt.Sprintf("param %s added", k))
		case old != v:
			out = append(out, fmt.Sprintf("param %s: %s -> %s", k, old, v))
		}
	}
	for _, s := range prior.Params {
		if k, _ := split(s); np[k] == "" {
			out = append(out, fmt.Sprintf("param %s removed", k))
		}
	}
	diff := func(what, a, b string) {
		if a != b {
			out = append(out, fmt.Sprintf("%s %s -> %s", what, orNone(a), orNone(b)))
		}
	}
	diff("objective", prior.Objective, next.Objective)
	diff("sampler", prior.Sampler, next.Sampler)
	diff("seed", fmt.Sprint(prior.Seed), fmt.Sprint(next.Seed))
	diff("early_stopping", prior.EarlyStopping, next.EarlyStopping)
	if prior.Trial != next.Trial {
		out = append(out, "the trial body changed (code, command, data, params or shape)")
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// Describe is the plan's summary of a new sweep: "50 trials (tpe, seed 7),
// 2 at a time, asha".
func (c *Config) Describe() string {
	s := c.Settings
	out := fmt.Sprintf("%d %s (%s, seed %d)", s.Trials, plural(s.Trials, "trial", "trials"), s.Sampler, s.Seed)
	if s.Parallel > 1 {
		out += fmt.Sprintf(", %d at a time", s.Parallel)
	}
	if s.Rule != "" {
		out += ", " + s.Rule
	}
	if s.Target != nil {
		out += fmt.Sprintf(", until %s reaches %s", s.Metric, num(*s.Target))
	}
	return out
}

// PlanReason says what applying the sweep will do, given the spec and
// records of the prior study (nil for none).
func (c *Config) PlanReason(spec Spec, prior *Spec, recs []Record) string {
	if prior == nil {
		return "new sweep: " + c.Describe()
	}
	if ch := Changes(*prior, spec); len(ch) > 0 {
		return "new study (" + strings.Join(ch, "; ") + "): " + c.Describe()
	}
	sum := Summarize(recs, c.Settings.Goal)
	left := c.Settings.Trials - len(recs)
	switch {
	case sum.Running > 0:
		return fmt.Sprintf("resumes study %s…: %d running, %d more %s", spec.ID()[:8], sum.Running, max(left, 0), plural(left, "trial", "trials"))
	case left > 0:
		return fmt.Sprintf("continues study %s…: %d more %s (%d recorded)", spec.ID()[:8], left, plural(left, "trial", "trials"), len(recs))
	}
	return ""
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
