package views

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/state"
)

// StateShow renders mltf show of the state: every instance with its
// status and attributes (sensitive ones hidden), then the outputs.
func StateShow(w io.Writer, st *state.State) {
	if len(st.Resources) == 0 && len(st.Outputs) == 0 {
		fmt.Fprintln(w, "The state is empty. Run mltf apply to create what the configuration declares.")
		return
	}
	for _, a := range slices.Sorted(maps.Keys(st.Resources)) {
		r := st.Resources[a]
		for _, k := range slices.Sorted(maps.Keys(r.Instances)) {
			inst := r.Instances[k]
			fmt.Fprintf(w, "# %s (%s)\n%s\n\n", state.InstanceAddr(a, k), inst.Status, ReadableAttributes(inst.Attributes, inst.Sensitive))
			deposed(w, state.InstanceAddr(a, k), inst)
		}
	}
	if len(st.Outputs) > 0 {
		fmt.Fprintln(w, "Outputs:")
		Outputs(w, st)
	}
}

// StateInstance renders mltf state show of one instance.
func StateInstance(w io.Writer, addr string, r *state.Resource, inst *state.Instance) {
	fmt.Fprintf(w, "# %s (kind %s, provider %s, status %s)\n%s\n", addr, r.Kind, r.Provider, inst.Status, ReadableAttributes(inst.Attributes, inst.Sensitive))
	if len(inst.Deposed) > 0 {
		fmt.Fprintln(w)
		deposed(w, addr, inst)
	}
}

// deposed renders the deposed objects of an instance: old objects of a
// create_before_destroy replacement that the next apply destroys.
func deposed(w io.Writer, addr string, inst *state.Instance) {
	for _, dk := range slices.Sorted(maps.Keys(inst.Deposed)) {
		d := inst.Deposed[dk]
		fmt.Fprintf(w, "# %s (deposed object %s: the next mltf apply destroys it)\n%s\n\n", addr, dk, ReadableAttributes(d.Attributes, d.Sensitive))
	}
}

// ReadableAttributes renders stored attributes as indented JSON with
// dynamic values unwrapped and sensitive ones hidden.
func ReadableAttributes(raw []byte, sensitive []cty.Path) string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		if len(sensitive) > 0 {
			return "(sensitive value)"
		}
		return string(raw)
	}
	v = state.UnwrapDynamic(v)
	for _, p := range sensitive {
		v = schema.HideJSON(v, p, "(sensitive value)")
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return string(raw)
	}
	return string(b)
}

// Outputs renders the state's outputs as NAME = value lines, by name,
// sensitive values hidden.
func Outputs(w io.Writer, st *state.State) {
	for _, n := range slices.Sorted(maps.Keys(st.Outputs)) {
		o := st.Outputs[n]
		if o.Sensitive {
			fmt.Fprintf(w, "%s = (sensitive value)\n", n)
			continue
		}
		v, err := OutputValue(o)
		if err != nil {
			fmt.Fprintf(w, "%s = (cannot decode: %s)\n", n, err)
			continue
		}
		fmt.Fprintf(w, "%s = %s\n", n, RenderValue(v))
	}
}

// OutputValue decodes a stored output.
func OutputValue(o *state.Output) (cty.Value, error) {
	var ty cty.Type
	if err := ty.UnmarshalJSON(o.Type); err != nil {
		return cty.NilVal, err
	}
	return ctyjson.Unmarshal(o.Value, ty)
}

// RawOutput renders mltf output -raw NAME: a string, number or bool as it
// is, without a newline. It reports false for a value of another type.
func RawOutput(w io.Writer, v cty.Value) bool {
	switch v.Type() {
	case cty.String:
		fmt.Fprint(w, v.AsString())
	case cty.Number:
		fmt.Fprint(w, schema.FormatNumber(v.AsBigFloat()))
	case cty.Bool:
		fmt.Fprint(w, v.True())
	default:
		return false
	}
	return true
}

// OutputOne renders mltf output NAME: its stored JSON with -json, else
// the value as plans show it, a sensitive one hidden.
func OutputOne(w io.Writer, o *state.Output, v cty.Value, asJSON bool) {
	switch {
	case asJSON:
		fmt.Fprintln(w, string(o.Value))
	case o.Sensitive:
		fmt.Fprintln(w, "(sensitive value)")
	default:
		fmt.Fprintln(w, RenderValue(v))
	}
}
