package views

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Diagnostics renders HCL diagnostics the way people read compiler
// errors: the summary, file:line:col, the source line with a marker under
// the problem, then the detail.
type Diagnostics struct {
	w     io.Writer
	files map[string]*hcl.File
	color bool
}

// NewDiagnostics returns a diagnostics view writing to w.
func NewDiagnostics(w io.Writer, files map[string]*hcl.File, color bool) *Diagnostics {
	return &Diagnostics{w: w, files: files, color: color}
}

// Show writes the diagnostics.
func (v *Diagnostics) Show(diags hcl.Diagnostics) {
	for _, d := range diags {
		v.one(d)
	}
}

func (v *Diagnostics) paint(code, s string) string {
	if !v.color {
		return s
	}
	return "\033[" + code + "m" + s + "\033[0m"
}

func (v *Diagnostics) one(d *hcl.Diagnostic) {
	var b strings.Builder
	label := v.paint("1;31", "Error")
	if d.Severity == hcl.DiagWarning {
		label = v.paint("1;33", "Warning")
	}
	fmt.Fprintf(&b, "\n%s: %s\n", label, v.paint("1", d.Summary))
	if s := d.Subject; s != nil && s.Filename != "" {
		context := ""
		f := v.files[s.Filename]
		if f != nil {
			if cs, ok := f.Nav.(interface{ ContextString(int) string }); ok {
				if c := cs.ContextString(s.Start.Byte); c != "" {
					context = ", in " + c
				}
			}
		}
		fmt.Fprintf(&b, "\n  on %s:%d:%d%s:\n", s.Filename, s.Start.Line, s.Start.Column, context)
		if f != nil {
			writeSnippet(&b, f.Bytes, *s)
		}
	}
	if d.Detail != "" {
		fmt.Fprintf(&b, "\n%s\n", d.Detail)
	}
	io.WriteString(v.w, b.String())
}

// writeSnippet writes the subject's first line with its number and a
// marker under the subject.
func writeSnippet(b *strings.Builder, src []byte, rng hcl.Range) {
	lines := bytes.Split(src, []byte("\n"))
	if rng.Start.Line < 1 || rng.Start.Line > len(lines) {
		return
	}
	line := strings.TrimRight(string(lines[rng.Start.Line-1]), "\r")
	prefix := fmt.Sprintf("  %4d | ", rng.Start.Line)
	fmt.Fprintf(b, "%s%s\n", prefix, line)
	start := rng.Start.Column - 1
	end := rng.End.Column - 1
	if rng.End.Line != rng.Start.Line {
		end = len(line)
	}
	if start < 0 || start > len(line) {
		return
	}
	if end <= start {
		end = start + 1
	}
	if end > len(line) && len(line) > start {
		end = len(line)
	}
	pad := make([]byte, 0, start)
	for _, c := range []byte(line[:start]) {
		if c == '\t' {
			pad = append(pad, '\t')
		} else {
			pad = append(pad, ' ')
		}
	}
	fmt.Fprintf(b, "%s%s%s\n", strings.Repeat(" ", len(prefix)), pad, strings.Repeat("^", max(end-start, 1)))
}
