package views

import (
	"encoding/json"
	"io"
	"strconv"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/plan"
)

// JSONFormatVersion is the version of the JSON documents; see
// docs/json-format.md. A minor bump adds fields; a major bump changes them.
const JSONFormatVersion = "1.0"

type jsonPos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

type jsonRange struct {
	Filename string  `json:"filename"`
	Start    jsonPos `json:"start"`
	End      jsonPos `json:"end"`
}

type jsonDiagnostic struct {
	Severity string     `json:"severity"`
	Summary  string     `json:"summary"`
	Detail   string     `json:"detail,omitempty"`
	Range    *jsonRange `json:"range,omitempty"`
	Snippet  *string    `json:"snippet,omitempty"`
}

// JSONDiagnostics converts diagnostics to their JSON form.
func JSONDiagnostics(diags hcl.Diagnostics, files map[string]*hcl.File) []jsonDiagnostic {
	ret := []jsonDiagnostic{}
	for _, d := range diags {
		jd := jsonDiagnostic{Severity: "error", Summary: d.Summary, Detail: d.Detail}
		if d.Severity == hcl.DiagWarning {
			jd.Severity = "warning"
		}
		if d.Subject != nil {
			s := d.Subject
			jd.Range = &jsonRange{
				Filename: s.Filename,
				Start:    jsonPos{s.Start.Line, s.Start.Column, s.Start.Byte},
				End:      jsonPos{s.End.Line, s.End.Column, s.End.Byte},
			}
			if f, ok := files[s.Filename]; ok && f != nil && s.Start.Byte <= len(f.Bytes) {
				line := sourceLine(f.Bytes, s.Start.Line)
				jd.Snippet = &line
			}
		}
		ret = append(ret, jd)
	}
	return ret
}

func sourceLine(src []byte, n int) string {
	line := 1
	start := 0
	for i, b := range src {
		if line == n {
			start = i
			break
		}
		if b == '\n' {
			line++
		}
	}
	end := start
	for end < len(src) && src[end] != '\n' {
		end++
	}
	return string(src[start:end])
}

// Validate is the JSON document of mltf validate -json.
func Validate(w io.Writer, diags hcl.Diagnostics, files map[string]*hcl.File) {
	errs, warns := 0, 0
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			errs++
		} else {
			warns++
		}
	}
	writeJSON(w, map[string]any{
		"format_version": JSONFormatVersion,
		"valid":          errs == 0,
		"error_count":    errs,
		"warning_count":  warns,
		"diagnostics":    JSONDiagnostics(diags, files),
	})
}

type jsonChange struct {
	Address      string            `json:"address"`
	Kind         string            `json:"kind"`
	Name         string            `json:"name"`
	Index        any               `json:"index,omitempty"`
	Deposed      string            `json:"deposed,omitempty"`
	Provider     string            `json:"provider"`
	Change       jsonChangeValue   `json:"change"`
	Reasons      []string          `json:"reasons,omitempty"`
	Dependencies []string          `json:"dependencies,omitempty"`
	References   map[string]string `json:"references,omitempty"`
}

type jsonChangeValue struct {
	Actions         []string        `json:"actions"`
	Before          json.RawMessage `json:"before"`
	After           json.RawMessage `json:"after"`
	AfterUnknown    any             `json:"after_unknown"`
	BeforeSensitive any             `json:"before_sensitive"`
	AfterSensitive  any             `json:"after_sensitive"`
	ReplacePaths    [][]any         `json:"replace_paths,omitempty"`
}

func actions(a plan.Action) []string {
	switch a {
	case plan.Create:
		return []string{"create"}
	case plan.Update:
		return []string{"update"}
	case plan.Delete:
		return []string{"delete"}
	case plan.DeleteThenCreate:
		return []string{"delete", "create"}
	case plan.CreateThenDelete:
		return []string{"create", "delete"}
	case plan.Read:
		return []string{"read"}
	}
	return []string{"no-op"}
}

// knownJSON encodes v as JSON with unknown values as null, and returns
// a mask that is true where a value is unknown.
func knownJSON(v cty.Value) (json.RawMessage, any) {
	if v == cty.NilVal || v.IsNull() {
		return json.RawMessage("null"), false
	}
	if !v.IsKnown() {
		return json.RawMessage("null"), true
	}
	ty := v.Type()
	switch {
	case ty.IsObjectType() || ty.IsMapType():
		out := map[string]json.RawMessage{}
		mask := map[string]any{}
		for k, ev := range v.AsValueMap() {
			b, m := knownJSON(ev)
			out[k] = b
			if m != false {
				mask[k] = m
			}
		}
		b, _ := json.Marshal(out)
		return b, mask
	case ty.IsListType() || ty.IsTupleType() || ty.IsSetType():
		out := []json.RawMessage{}
		mask := []any{}
		for it := v.ElementIterator(); it.Next(); {
			_, ev := it.Element()
			b, m := knownJSON(ev)
			out = append(out, b)
			mask = append(mask, m)
		}
		b, _ := json.Marshal(out)
		return b, mask
	}
	b, err := ctyjson.Marshal(v, ty)
	if err != nil {
		return json.RawMessage("null"), false
	}
	return b, false
}

// sensitiveMask is Terraform's before_sensitive/after_sensitive: the
// value's shape with true where it is sensitive, objects and maps as JSON
// objects and lists as arrays (false where an element is not).
func sensitiveMask(paths []cty.Path) any {
	var mask any = map[string]any{}
	for _, p := range paths {
		mask = maskPath(mask, p)
	}
	return mask
}

func maskPath(m any, p cty.Path) any {
	if len(p) == 0 {
		return true
	}
	if m == true {
		return m
	}
	if name, ok := schema.StepName(p[0]); ok {
		obj, ok := m.(map[string]any)
		if !ok {
			obj = map[string]any{}
		}
		obj[name] = maskPath(obj[name], p[1:])
		return obj
	}
	if i, ok := schema.StepIndex(p[0]); ok && i >= 0 {
		arr, _ := m.([]any)
		for len(arr) <= i {
			arr = append(arr, false)
		}
		arr[i] = maskPath(arr[i], p[1:])
		return arr
	}
	return true
}

func pathJSON(p cty.Path) []any {
	var ret []any
	for _, s := range p {
		switch s := s.(type) {
		case cty.GetAttrStep:
			ret = append(ret, s.Name)
		case cty.IndexStep:
			if s.Key.Type() == cty.String {
				ret = append(ret, s.Key.AsString())
			} else if s.Key.Type() == cty.Number {
				f, _ := s.Key.AsBigFloat().Float64()
				ret = append(ret, f)
			}
		}
	}
	return ret
}

// PlanJSON is the document of mltf plan -json and mltf show -json PLANFILE.
func PlanJSON(w io.Writer, cs *plan.Changeset, version string, diags hcl.Diagnostics) {
	changes := []jsonChange{}
	for _, c := range cs.Changes {
		jc := jsonChange{
			Address:      c.Addr.String(),
			Kind:         c.Addr.Resource.Kind,
			Name:         c.Addr.Resource.Name,
			Deposed:      c.Deposed,
			Provider:     c.Provider,
			Reasons:      c.Reasons,
			Dependencies: c.Dependencies,
			References:   c.References,
		}
		if c.Addr.Key != "" {
			if n, err := strconv.Atoi(string(c.Addr.Key)); err == nil {
				jc.Index = n
			} else if s, err := strconv.Unquote(string(c.Addr.Key)); err == nil {
				jc.Index = s
			}
		}
		before, _ := knownJSON(c.Before)
		after, unknown := knownJSON(c.After)
		jc.Change = jsonChangeValue{
			Actions:         actions(c.Action),
			Before:          before,
			After:           after,
			AfterUnknown:    unknown,
			BeforeSensitive: sensitiveMask(c.Sensitive),
			AfterSensitive:  sensitiveMask(c.Sensitive),
		}
		for _, p := range c.RequiresReplace {
			jc.Change.ReplacePaths = append(jc.Change.ReplacePaths, pathJSON(p))
		}
		changes = append(changes, jc)
	}
	outputs := map[string]any{}
	for _, o := range cs.Outputs {
		before, _ := knownJSON(o.Before)
		after, unknown := knownJSON(o.After)
		act := []string{"update"}
		switch {
		case o.Deleted:
			act = []string{"delete"}
		case o.Before == cty.NilVal:
			act = []string{"create"}
		case o.After.IsWhollyKnown() && o.Before.RawEquals(o.After):
			act = []string{"no-op"}
		}
		outputs[o.Name] = map[string]any{
			"actions": act, "before": before, "after": after,
			"after_unknown": unknown, "sensitive": o.Sensitive,
		}
	}
	vars := map[string]any{}
	for name, v := range cs.Variables {
		b, _ := knownJSON(v)
		if decl, ok := cs.Config.Variables[name]; ok && decl.Sensitive {
			b = json.RawMessage(`"(sensitive value)"`)
		}
		vars[name] = map[string]any{"value": b}
	}
	s := cs.Summary()
	var files map[string]*hcl.File
	if cs.Config != nil {
		files = cs.Config.Files
	}
	prior := map[string]any{"lineage": cs.PriorLineage, "serial": cs.PriorSerial}
	if cs.PriorDigest != "" {
		// Known for a plan read from a file: what apply of it checks.
		prior["digest"] = cs.PriorDigest
	}
	writeJSON(w, map[string]any{
		"format_version":   JSONFormatVersion,
		"mltf_version":     version,
		"applyable":        cs.Applyable,
		"destroy":          cs.Options.Destroy,
		"prior_state":      prior,
		"variables":        vars,
		"resource_changes": changes,
		"output_changes":   outputs,
		"drift":            nonNil(cs.Drift),
		"summary":          map[string]int{"add": s.Add, "change": s.Change, "destroy": s.Destroy},
		"diagnostics":      JSONDiagnostics(diags, files),
	})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// VersionJSON is the document of mltf version -json.
func VersionJSON(w io.Writer, version string) {
	writeJSON(w, map[string]any{"format_version": JSONFormatVersion, "mltf_version": version})
}
