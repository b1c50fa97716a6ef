package providers

import (
	"fmt"

	"github.com/zclconf/go-cty/cty"
)

// Severity of a diagnostic.
type Severity rune

const (
	Error   Severity = 'E'
	Warning Severity = 'W'
)

// Diagnostic is a provider's message about a resource. Attribute, when set,
// points into the resource's configuration; the engine turns it into a
// source range.
type Diagnostic struct {
	Severity  Severity
	Summary   string
	Detail    string
	Attribute cty.Path
}

// Diagnostics is a list of diagnostics.
type Diagnostics []Diagnostic

// HasErrors reports whether any diagnostic is an error.
func (d Diagnostics) HasErrors() bool {
	for _, x := range d {
		if x.Severity == Error {
			return true
		}
	}
	return false
}

// Errorf appends an error diagnostic.
func (d Diagnostics) Errorf(summary string, detailFormat string, args ...any) Diagnostics {
	return append(d, Diagnostic{Severity: Error, Summary: summary, Detail: fmt.Sprintf(detailFormat, args...)})
}

// AttrError appends an error diagnostic about one attribute.
func (d Diagnostics) AttrError(path cty.Path, summary, detail string) Diagnostics {
	return append(d, Diagnostic{Severity: Error, Summary: summary, Detail: detail, Attribute: path})
}

// FromError appends err as an error diagnostic, when it is not nil.
func (d Diagnostics) FromError(summary string, err error) Diagnostics {
	if err == nil {
		return d
	}
	return append(d, Diagnostic{Severity: Error, Summary: summary, Detail: err.Error()})
}
