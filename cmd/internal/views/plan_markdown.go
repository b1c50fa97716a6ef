package views

import (
	"fmt"
	"io"
	"strings"

	"github.com/mltf/mltf/plan"
)

// PlanMarkdown renders a saved plan as a pull-request comment: a summary
// line, then one collapsible section per change with its reasons and its
// attributes as a diff. Sensitive values are hidden as in the human plan.
func PlanMarkdown(w io.Writer, cs *plan.Changeset) {
	var b strings.Builder
	s := cs.Summary()
	b.WriteString("### mltf plan\n\n")
	switch {
	case !cs.Applyable:
		b.WriteString("**The plan has errors and cannot be applied.**\n")
	case !cs.HasChanges():
		b.WriteString("**No changes.** Your models and infrastructure match the configuration.\n")
	case cs.Options.Destroy:
		fmt.Fprintf(&b, "**Plan: 0 to add, 0 to change, %d to destroy.**\n", s.Destroy)
	default:
		fmt.Fprintf(&b, "**Plan: %d to add, %d to change, %d to destroy.**\n", s.Add, s.Change, s.Destroy)
	}
	if len(cs.Drift) > 0 {
		b.WriteString("\nObjects changed outside mltf since the last apply:\n\n")
		for _, d := range cs.Drift {
			fmt.Fprintf(&b, "- %s\n", mdEscape(d))
		}
	}
	for _, c := range cs.Changes {
		if c.Action == plan.NoOp {
			continue
		}
		fmt.Fprintf(&b, "\n<details><summary><code>%s %s</code> %s</summary>\n\n", c.Action, htmlEscape(c.Key()), htmlEscape(headline(c)))
		for _, r := range c.Reasons {
			fmt.Fprintf(&b, "- because %s\n", mdEscape(r))
		}
		if len(c.Reasons) > 0 {
			b.WriteString("\n")
		}
		lines, width := attributeLines(c)
		b.WriteString("```diff\n")
		fmt.Fprintf(&b, "%s %s {\n", diffSymbol(string(c.Action)), blockLabel(c))
		for _, l := range lines {
			fmt.Fprintf(&b, "%s   %-*s = %s%s\n", diffSymbol(l.sym), width, l.name, l.text, l.suffix())
		}
		b.WriteString("  }\n```\n\n</details>\n")
	}
	var outs []string
	for _, o := range cs.Outputs {
		r := &valueRenderer{}
		show := func(v string) string {
			if o.Sensitive {
				return "(sensitive value)"
			}
			return v
		}
		switch {
		case o.Deleted:
			outs = append(outs, fmt.Sprintf("- %s = %s -> null", o.Name, show(r.scalar(nil, o.Before))))
		case o.Before == cnil:
			outs = append(outs, fmt.Sprintf("+ %s = %s", o.Name, show(r.scalar(nil, o.After))))
		case !o.After.IsWhollyKnown() || !o.Before.RawEquals(o.After):
			outs = append(outs, fmt.Sprintf("! %s = %s -> %s", o.Name, show(r.scalar(nil, o.Before)), show(r.scalar(nil, o.After))))
		}
	}
	if len(outs) > 0 {
		fmt.Fprintf(&b, "\n<details><summary>Changes to outputs</summary>\n\n```diff\n%s\n```\n\n</details>\n", strings.Join(outs, "\n"))
	}
	if cs.PriorLineage != "" {
		fmt.Fprintf(&b, "\n<sub>Planned against state lineage <code>%s</code>, serial %d. <code>mltf apply</code> of this saved plan refuses a state that has moved since.</sub>\n", htmlEscape(cs.PriorLineage), cs.PriorSerial)
	}
	io.WriteString(w, b.String())
}

// diffSymbol puts a change's symbol where a diff block colours it: + and
// - as they are, a change or a replacement as !.
func diffSymbol(sym string) string {
	switch strings.TrimSpace(sym) {
	case "+":
		return "+"
	case "-":
		return "-"
	case "":
		return " "
	}
	return "!"
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

func htmlEscape(s string) string { return htmlEscaper.Replace(s) }

// mdEscape keeps text from being read as Markdown or HTML markup.
func mdEscape(s string) string {
	return strings.NewReplacer("<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "`", "\\`", "|", `\|`).Replace(s)
}
