package views

import (
	"fmt"
	"io"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/plan"
)

// Plan renders a plan for people.
type Plan struct {
	w io.Writer
}

// NewPlan returns a plan view writing to w.
func NewPlan(w io.Writer) *Plan { return &Plan{w: w} }

// Show prints every change, the outputs that change and the summary.
func (v *Plan) Show(cs *plan.Changeset) {
	if len(cs.Drift) > 0 {
		fmt.Fprintln(v.w, "\nObjects changed outside mltf since the last apply:")
		for _, d := range cs.Drift {
			fmt.Fprintf(v.w, "  - %s\n", d)
		}
	}
	if !cs.HasChanges() {
		if cs.Options.Destroy {
			fmt.Fprintln(v.w, "\nNo changes. No objects need to be destroyed.")
		} else {
			fmt.Fprintln(v.w, "\nNo changes. Your models and infrastructure match the configuration.")
		}
		return
	}
	var shown []*plan.Change
	for _, c := range cs.Changes {
		if c.Action != plan.NoOp {
			shown = append(shown, c)
		}
	}
	if len(shown) > 0 {
		fmt.Fprintln(v.w, "\nmltf will perform the following actions:")
	}
	for _, c := range shown {
		v.change(c)
	}
	v.outputs(cs)
	s := cs.Summary()
	if cs.Options.Destroy {
		fmt.Fprintf(v.w, "\nPlan: 0 to add, 0 to change, %d to destroy.\n", s.Destroy)
		return
	}
	fmt.Fprintf(v.w, "\nPlan: %d to add, %d to change, %d to destroy.\n", s.Add, s.Change, s.Destroy)
}

func headline(c *plan.Change) string {
	switch c.Action {
	case plan.Create:
		return "will be created"
	case plan.Update:
		if c.PriorStatus == "partial" {
			return "is running: apply re-attaches to it"
		}
		return "will be updated in-place"
	case plan.DeleteThenCreate:
		return "must be replaced"
	case plan.CreateThenDelete:
		return "must be replaced (new one first: create_before_destroy)"
	case plan.Delete:
		return "will be destroyed"
	}
	return "has no changes"
}

func (v *Plan) change(c *plan.Change) {
	fmt.Fprintf(v.w, "\n  # %s %s\n", c.Key(), headline(c))
	for _, r := range c.Reasons {
		fmt.Fprintf(v.w, "  #   because %s\n", r)
	}
	sym := string(c.Action)
	fmt.Fprintf(v.w, "%s %s {\n", pad(sym), blockLabel(c))
	lines, width := attributeLines(c)
	for _, l := range lines {
		fmt.Fprintf(v.w, "      %s %-*s = %s%s\n", l.sym, width, l.name, l.text, l.suffix())
	}
	fmt.Fprintln(v.w, "    }")
}

// blockLabel is `training "mlp"`, with the instance key when there is one.
func blockLabel(c *plan.Change) string {
	label := fmt.Sprintf("%s %q", c.Addr.Resource.Kind, c.Addr.Resource.Name)
	if c.Addr.Key != "" {
		label += " [" + string(c.Addr.Key) + "]"
	}
	return label
}

// attributeLines are the lines of a change's attributes, sensitive values
// hidden, and the width of the longest name.
func attributeLines(c *plan.Change) ([]attrLine, int) {
	r := &valueRenderer{sensitive: c.Sensitive, replace: c.RequiresReplace}
	all := c.Action == plan.Create || c.Action == plan.Delete
	lines := byReference(r.diffObject(nil, c.Before, c.After, all), c)
	width := 0
	for _, l := range lines {
		if len(l.name) > width {
			width = len(l.name)
		}
	}
	return lines, width
}

// byReference shows an attribute that is a plain reference to another
// resource (from = training.mlp, data = { train = dataset.raw }) as that
// reference: the referenced resource's own change lists what changes in it,
// and repeating its attributes in every resource that refers to it buries
// the plan.
func byReference(lines []attrLine, c *plan.Change) []attrLine {
	if len(c.References) == 0 {
		return lines
	}
	out := lines[:0]
	collapsed := map[string]int{} // reference key -> index in out
	for _, l := range lines {
		key, ref := referenceOf(l.name, c.References)
		if key == "" {
			if c.Action == plan.Create {
				if text, ok := referenceMap(l.name, c); ok {
					l.text = text
				}
			}
			out = append(out, l)
			continue
		}
		if i, ok := collapsed[key]; ok {
			out[i].forces = out[i].forces || l.forces
			continue
		}
		collapsed[key] = len(out)
		text := ref
		if l.sym == "~" || (l.sym != " " && key != l.name) {
			l.sym = "~"
			text = ref + " (changes with it)"
		}
		out = append(out, attrLine{sym: l.sym, name: key, text: text, forces: l.forces})
	}
	return out
}

// referenceOf finds the reference that attribute line name lies in: the
// line itself (from) or a part of it (from.run_id, data.train.bytes).
func referenceOf(name string, refs map[string]string) (key, ref string) {
	for k, r := range refs {
		if name == k || strings.HasPrefix(name, k+".") {
			if len(k) > len(key) {
				key, ref = k, r
			}
		}
	}
	return key, ref
}

// referenceMap renders a created map attribute whose every entry is a plain
// reference as those references: { train = dataset.raw }.
func referenceMap(name string, c *plan.Change) (string, bool) {
	v := c.After
	if v == cty.NilVal || v.IsNull() || !v.IsKnown() || !v.Type().IsObjectType() || !v.Type().HasAttribute(name) {
		return "", false
	}
	v = v.GetAttr(name)
	if v.IsNull() || !v.IsKnown() || !(v.Type().IsMapType() || v.Type().IsObjectType()) || v.LengthInt() == 0 {
		return "", false
	}
	var parts []string
	for it := v.ElementIterator(); it.Next(); {
		k, _ := it.Element()
		ref, ok := c.References[name+"."+k.AsString()]
		if !ok {
			return "", false
		}
		parts = append(parts, k.AsString()+" = "+ref)
	}
	return "{ " + strings.Join(parts, ", ") + " }", true
}

func (l attrLine) suffix() string {
	if l.forces {
		return " # forces replacement"
	}
	return ""
}

func pad(sym string) string {
	return fmt.Sprintf("%3s", sym)
}

func (v *Plan) outputs(cs *plan.Changeset) {
	var lines []string
	for _, o := range cs.Outputs {
		r := &valueRenderer{}
		after := r.scalar(nil, o.After)
		if o.Sensitive {
			after = "(sensitive value)"
		}
		switch {
		case o.Deleted:
			before := r.scalar(nil, o.Before)
			if o.Sensitive {
				before = "(sensitive value)"
			}
			lines = append(lines, fmt.Sprintf("  - %s = %s -> null", o.Name, before))
		case o.Before == cnil:
			lines = append(lines, fmt.Sprintf("  + %s = %s", o.Name, after))
		case !o.After.IsWhollyKnown() || !o.Before.RawEquals(o.After):
			before := r.scalar(nil, o.Before)
			if o.Sensitive {
				before = "(sensitive value)"
			}
			lines = append(lines, fmt.Sprintf("  ~ %s = %s -> %s", o.Name, before, after))
		}
	}
	if len(lines) > 0 {
		fmt.Fprintf(v.w, "\nChanges to outputs:\n%s\n", strings.Join(lines, "\n"))
	}
}
