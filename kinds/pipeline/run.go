package pipeline

import (
	"fmt"
	"strings"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/mltf/mltf/kinds/training"
)

// InputEnvName is the variable that carries an input: MLTF_INPUT_RAW.
func InputEnvName(name string) string {
	return "MLTF_INPUT_" + training.DataEnvName(name)[len("MLTF_DATA_"):]
}

// runConfig is the configuration of a step's run: a value of the
// training type t with the pipeline's pool and experiment, the step's
// code, command, params, image and policies, and its environment: the
// user's env, MLTF_INPUT_<NAME> per input, MLTF_PIPELINE, MLTF_STEP,
// MLTF_OUTPUTS (the declared outputs, one a line) and,
// for a scheduled run, MLTF_SCHEDULED_TIME.
func (c *Config) runConfig(t cty.Type, address string, s *Step, r resolved, scheduled string) (cty.Value, error) {
	env := map[string]cty.Value{}
	for k, v := range s.Env {
		env[k] = cty.StringVal(v)
	}
	for name, loc := range r.Locations {
		env[InputEnvName(name)] = cty.StringVal(loc)
	}
	env["MLTF_PIPELINE"] = cty.StringVal(address)
	env["MLTF_STEP"] = cty.StringVal(s.Name)
	if len(s.Outputs) > 0 {
		// Where pods run, the provider copies these out (one a line).
		env["MLTF_OUTPUTS"] = cty.StringVal(strings.Join(s.Outputs, "\n"))
	}
	if scheduled != "" {
		env["MLTF_SCHEDULED_TIME"] = cty.StringVal(scheduled)
	}
	experiment := c.Experiment
	if experiment.IsNull() {
		experiment = cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal(address)})
	}
	cmd := make([]cty.Value, len(s.Command))
	for i, a := range s.Command {
		cmd[i] = cty.StringVal(a)
	}
	userErrors := s.RetryUser
	if s.Backoff > 0 {
		userErrors = 0 // retried by the pipeline, after the backoff
	}
	set := map[string]cty.Value{
		"pool": c.Pool, "experiment": experiment, "code": cty.StringVal(s.Code), "command": cty.ListVal(cmd),
		"env": cty.MapVal(env), "params": s.Params,
		"retry": cty.ObjectVal(map[string]cty.Value{
			"infrastructure": cty.NumberIntVal(int64(s.RetryInfra)), "user_error": cty.NumberIntVal(int64(userErrors)),
		}),
		"resources": s.Resources,
	}
	if s.Image != "" {
		set["image"] = cty.StringVal(s.Image)
	}
	attrs := map[string]cty.Value{}
	for name, at := range t.AttributeTypes() {
		v, ok := set[name]
		if !ok || v.IsNull() {
			attrs[name] = cty.NullVal(at)
			continue
		}
		if at == cty.DynamicPseudoType {
			attrs[name] = v
			continue
		}
		fit, err := fitTo(v, at)
		if err != nil {
			return cty.NilVal, fmt.Errorf("step %s: %s: %w", s.Name, name, err)
		}
		attrs[name] = fit
	}
	return cty.ObjectVal(attrs), nil
}

// fitTo converts v to t, dropping attributes of an object that t lacks
// (retry.backoff where the training kind has none).
func fitTo(v cty.Value, t cty.Type) (cty.Value, error) {
	if t.IsObjectType() && v.Type().IsObjectType() && !v.IsNull() {
		attrs := map[string]cty.Value{}
		for name, at := range t.AttributeTypes() {
			if v.Type().HasAttribute(name) {
				x, err := fitTo(v.GetAttr(name), at)
				if err != nil {
					return cty.NilVal, err
				}
				attrs[name] = x
			} else {
				attrs[name] = cty.NullVal(at)
			}
		}
		return cty.ObjectVal(attrs), nil
	}
	return convert.Convert(v, t)
}
