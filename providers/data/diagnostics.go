package data

import (
	"fmt"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/data/validate"
)

// failureDiagnostics turns the failed checks into error diagnostics, one per
// column and check, pointing at the part of the contract that failed.
func failureDiagnostics(addr string, res *validate.Result) providers.Diagnostics {
	var diags providers.Diagnostics
	for _, f := range res.Failures {
		diags = append(diags, providers.Diagnostic{
			Severity:  providers.Error,
			Summary:   failureSummary(f), // the engine prefixes the address
			Detail:    failureDetail(addr, f),
			Attribute: failurePath(f),
		})
	}
	return diags
}

func failureSummary(f validate.Failure) string {
	switch f.Check {
	case validate.CheckMissingColumn:
		return fmt.Sprintf("Column %q is missing", f.Column)
	case validate.CheckExtraColumn:
		return fmt.Sprintf("Unexpected column %q", f.Column)
	case validate.CheckEmpty:
		return "Empty object"
	case validate.CheckRead:
		return "Unreadable data"
	case validate.CheckFields:
		return "Rows with a wrong number of fields"
	case validate.CheckRowCount:
		return "Row count out of bounds"
	case validate.CheckMaxNullFraction:
		return fmt.Sprintf("Column %q fails max_null_fraction", f.Column)
	}
	return fmt.Sprintf("Column %q fails its %s check", f.Column, f.Check)
}

func failurePath(f validate.Failure) cty.Path {
	switch f.Check {
	case validate.CheckType, validate.CheckNullable, validate.CheckMin, validate.CheckMax,
		validate.CheckValues, validate.CheckRegex, validate.CheckUnique:
		return columnPath(f.Column).GetAttr(string(f.Check))
	case validate.CheckMissingColumn:
		return columnPath(f.Column)
	case validate.CheckExtraColumn:
		return pathSchema
	case validate.CheckRowCount:
		return pathRowCount
	case validate.CheckMaxNullFraction:
		return pathChecks.GetAttr("max_null_fraction")
	}
	return pathSource
}

func failureDetail(addr string, f validate.Failure) string {
	var b strings.Builder
	b.WriteString(upper(f.Message))
	b.WriteString(".")
	named := map[string]bool{}
	for _, e := range f.Examples {
		named[e.Object] = true
	}
	if f.ObjectCount > len(named) {
		fmt.Fprintf(&b, "\nObjects: %s", strings.Join(f.Objects, ", "))
		if more := f.ObjectCount - len(f.Objects); more > 0 {
			fmt.Fprintf(&b, " and %d more", more)
		}
		b.WriteString(".")
	}
	if len(f.Examples) > 0 {
		b.WriteString("\nExamples:")
		for _, e := range f.Examples {
			b.WriteString("\n  ")
			b.WriteString(e.Object)
			switch {
			case e.Line > 0:
				fmt.Fprintf(&b, " line %d", e.Line)
			case e.Row > 0:
				fmt.Fprintf(&b, " row %d", e.Row)
			}
			b.WriteString(": ")
			b.WriteString(e.Value)
		}
	}
	fmt.Fprintf(&b, "\n%s Nothing that depends on %s runs until it passes.", advice(f), addr)
	return b.String()
}

func advice(f validate.Failure) string {
	switch f.Check {
	case validate.CheckMissingColumn:
		return "Add the column to the data, or remove it from the schema."
	case validate.CheckExtraColumn:
		return fmt.Sprintf("Declare column %q in the schema, or set allow_extra_columns = true.", f.Column)
	case validate.CheckEmpty:
		return "Remove the empty objects or write their data."
	case validate.CheckRead:
		return "Fix or rewrite the data, or set format if it is not what the extension says."
	case validate.CheckFields:
		return "Every row must have as many fields as the header; check the delimiter (csv.delimiter)."
	case validate.CheckRowCount:
		return "Check that all the data arrived, or change checks.row_count."
	case validate.CheckMaxNullFraction:
		return "Fill the missing values, or raise checks.max_null_fraction."
	}
	return fmt.Sprintf("Fix the data, or change schema.column %q.%s in the configuration.", f.Column, f.Check)
}

func upper(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
