package views

import (
	"io"

	"github.com/hashicorp/hcl/v2"
)

// Diagnostics renders HCL diagnostics with file:line:col, the source line
// and a marker under the problem.
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
	if len(diags) == 0 {
		return
	}
	wr := hcl.NewDiagnosticTextWriter(v.w, v.files, 100, v.color)
	for _, d := range diags {
		_ = wr.WriteDiagnostic(d)
	}
}
