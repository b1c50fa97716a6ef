package validate

import (
	"cmp"
	"slices"

	"github.com/mltf/mltf/providers/data/stats"
)

// Check names a check. Column checks are named after their schema field.
type Check string

const (
	CheckType            Check = "type"
	CheckNullable        Check = "nullable"
	CheckMin             Check = "min"
	CheckMax             Check = "max"
	CheckValues          Check = "values"
	CheckRegex           Check = "regex"
	CheckUnique          Check = "unique"
	CheckMissingColumn   Check = "missing_column"
	CheckExtraColumn     Check = "extra_column"
	CheckEmpty           Check = "empty"
	CheckRead            Check = "read"
	CheckFields          Check = "fields"
	CheckRowCount        Check = "row_count"
	CheckMaxNullFraction Check = "max_null_fraction"
)

// columnChecks index the per-column failure counters.
var columnChecks = []Check{CheckType, CheckNullable, CheckMin, CheckMax, CheckValues, CheckRegex, CheckUnique}

const (
	cType = iota
	cNullable
	cMin
	cMax
	cValues
	cRegex
	cUnique
	nChecks
)

// MaxExamples is how many example rows a failure keeps.
const MaxExamples = 3

// Example is one bad row.
type Example struct {
	Object string
	// Row is the 1-based data row of a Parquet object; for CSV and JSON
	// lines it is the line, as is Line (0 for Parquet).
	Row, Line int64
	// Value is the offending value as it appears in the data, or a
	// description of the row's problem.
	Value string
}

// Failure is one check that failed, over all objects.
type Failure struct {
	Check  Check
	Column string // "" for checks on objects or the whole dataset
	// Message says what is wrong, without the examples.
	Message string
	// Rows counts the bad rows; 0 when the failure is not about rows.
	Rows int64
	// Objects names the objects where the check failed (the first few),
	// and ObjectCount counts them all.
	Objects     []string
	ObjectCount int
	Examples    []Example
}

// ColumnResult is one column's statistics, and what drift needs of the
// current data.
type ColumnResult struct {
	Name     string
	Type     Type
	Declared bool
	Summary  stats.Summary
	// Sample is a sorted sample of a numeric column's values.
	Sample []float64
	// Count returns how often a value of a categorical column occurred (0
	// when unknown); nil for other columns.
	Count func(value string) int64
}

// Result is the outcome of a validation.
type Result struct {
	Rows    int64
	Objects int
	// Columns are in name order.
	Columns  []ColumnResult
	Failures []Failure
}

// OK reports whether every check passed.
func (r *Result) OK() bool { return len(r.Failures) == 0 }

// Column returns the named column's result, or nil.
func (r *Result) Column(name string) *ColumnResult {
	for i := range r.Columns {
		if r.Columns[i].Name == name {
			return &r.Columns[i]
		}
	}
	return nil
}

// exampleRef is an example before object indexes become names.
type exampleRef struct {
	obj       int32
	row, line int64
	value     string
	// dupRow, when not 0, is the earlier row (in object dupObj) that holds
	// the same value.
	dupObj int32
	dupRow int64
}

func compareRef(a, b exampleRef) int {
	if c := cmp.Compare(a.obj, b.obj); c != 0 {
		return c
	}
	return cmp.Compare(a.row, b.row)
}

// failAcc accumulates one check's failures.
type failAcc struct {
	rows     int64
	examples []exampleRef // the smallest by (object, row), at most MaxExamples
	objs     map[int32]struct{}
	message  string
}

func (f *failAcc) add(e exampleRef) {
	f.rows++
	if f.objs == nil {
		f.objs = map[int32]struct{}{}
	}
	f.objs[e.obj] = struct{}{}
	f.keep(e)
}

func (f *failAcc) keep(e exampleRef) {
	if len(f.examples) == MaxExamples && compareRef(e, f.examples[MaxExamples-1]) >= 0 {
		return
	}
	i, _ := slices.BinarySearchFunc(f.examples, e, compareRef)
	f.examples = slices.Insert(f.examples, i, e)
	if len(f.examples) > MaxExamples {
		f.examples = f.examples[:MaxExamples]
	}
}

func (f *failAcc) merge(o *failAcc) {
	if o == nil {
		return
	}
	f.rows += o.rows
	if f.objs == nil {
		f.objs = map[int32]struct{}{}
	}
	for k := range o.objs {
		f.objs[k] = struct{}{}
	}
	for _, e := range o.examples {
		f.keep(e)
	}
	if f.message == "" {
		f.message = o.message
	}
}
