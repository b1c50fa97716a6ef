package validate

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Type is a column's declared type.
type Type int

const (
	Int64 Type = iota + 1
	Float64
	String
	Bool
	Timestamp
)

var typeNames = map[Type]string{Int64: "int64", Float64: "float64", String: "string", Bool: "bool", Timestamp: "timestamp"}

func (t Type) String() string { return typeNames[t] }

// TypeNames lists the type names a schema accepts.
var TypeNames = []string{"int64", "float64", "string", "bool", "timestamp"}

// ParseType reads a type name.
func ParseType(s string) (Type, bool) {
	for t, n := range typeNames {
		if n == s {
			return t, true
		}
	}
	return 0, false
}

// Format is a data file format.
type Format string

const (
	CSV     Format = "csv"
	Parquet Format = "parquet"
	JSONL   Format = "jsonl"
)

// Formats lists the formats by name.
var Formats = []string{"csv", "parquet", "jsonl"}

// Column is one column of a schema and its checks.
type Column struct {
	Name     string
	Type     Type
	Nullable bool
	Min, Max *float64
	// Values are the allowed values, as written in the configuration.
	Values []string
	Regex  string
	Unique bool
}

// Contract is what a dataset's rows must satisfy, and how to read them.
type Contract struct {
	Format    Format
	Delimiter rune // CSV; 0 means ','
	NoHeader  bool // CSV: the first line is data; columns are named "1", "2"...
	// Schema says whether a schema was declared: only then are missing and
	// extra columns checked.
	Schema     bool
	Columns    []Column
	AllowExtra bool
	MinRows    *int64
	MaxRows    *int64
	// MaxNullFraction bounds the share of nulls in every column.
	MaxNullFraction *float64
}

// Problem is a contract mistake, found before any data is read: Column and
// Field say where ("" for contract-wide fields).
type Problem struct {
	Column, Field, Message string
}

// compiled is a column ready for checking.
type compiled struct {
	Column
	declared bool
	re       *regexp.Regexp
	// ints and strs map the allowed values to their index in known, the
	// per-value counters; names holds each index's value as text.
	ints map[int64]int32
	// intList is ints in index order when they are few, which a loop finds
	// faster than a map.
	intList []int64
	floats  map[float64]struct{}
	strs    map[string]int32
	names   []string
	bools   [2]bool // allowed false, true
	// categorical columns get top-value statistics.
	categorical bool
}

// intIndex is the index of an allowed int64 value; false when v is not
// one.
func (c *compiled) intIndex(v int64) (int32, bool) {
	if c.intList != nil {
		for i, x := range c.intList {
			if x == v {
				return int32(i), true
			}
		}
		return 0, false
	}
	i, ok := c.ints[v]
	return i, ok
}

// Check reports the contract's mistakes: unknown values for the column
// type, checks that do not apply to it, an invalid regular expression.
func (c *Contract) Check() []Problem {
	var ps []Problem
	for _, col := range c.Columns {
		_, err := compile(col)
		ps = append(ps, err...)
	}
	if c.MinRows != nil && c.MaxRows != nil && *c.MinRows > *c.MaxRows {
		ps = append(ps, Problem{"", "row_count", fmt.Sprintf("row_count.min (%d) is greater than row_count.max (%d)", *c.MinRows, *c.MaxRows)})
	}
	if f := c.MaxNullFraction; f != nil && (*f < 0 || *f > 1) {
		ps = append(ps, Problem{"", "max_null_fraction", fmt.Sprintf("max_null_fraction is %g; it must be between 0 and 1", *f)})
	}
	return ps
}

func compile(col Column) (*compiled, []Problem) {
	cc := &compiled{Column: col, declared: true}
	var ps []Problem
	bad := func(field, format string, args ...any) {
		ps = append(ps, Problem{col.Name, field, fmt.Sprintf(format, args...)})
	}
	if col.Min != nil || col.Max != nil {
		if col.Type != Int64 && col.Type != Float64 {
			field := "min"
			if col.Min == nil {
				field = "max"
			}
			bad(field, "min and max apply to int64 and float64 columns; column %q is %s", col.Name, col.Type)
		} else if col.Min != nil && col.Max != nil && *col.Min > *col.Max {
			bad("min", "min (%g) is greater than max (%g)", *col.Min, *col.Max)
		}
	}
	if col.Regex != "" {
		if col.Type != String {
			bad("regex", "regex applies to string columns; column %q is %s", col.Name, col.Type)
		} else if re, err := regexp.Compile(col.Regex); err != nil {
			bad("regex", "regex %q is not a valid regular expression (Go RE2 syntax): %v", col.Regex, err)
		} else {
			cc.re = re
		}
	}
	if col.Values != nil {
		cc.categorical = true
		switch col.Type {
		case Int64:
			cc.ints = map[int64]int32{}
			for _, v := range col.Values {
				n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				if err != nil {
					bad("values", "value %q is not an int64, the type of column %q", v, col.Name)
					continue
				}
				if _, dup := cc.ints[n]; !dup {
					cc.ints[n] = int32(len(cc.names))
					cc.names = append(cc.names, strconv.FormatInt(n, 10))
				}
			}
			if len(cc.names) <= 8 {
				cc.intList = make([]int64, len(cc.names))
				for v, i := range cc.ints {
					cc.intList[i] = v
				}
			}
		case Float64:
			cc.floats = map[float64]struct{}{}
			for _, v := range col.Values {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil || math.IsNaN(f) {
					bad("values", "value %q is not a float64, the type of column %q", v, col.Name)
					continue
				}
				cc.floats[f] = struct{}{}
			}
		case String:
			cc.strs = map[string]int32{}
			for _, v := range col.Values {
				if _, dup := cc.strs[v]; !dup {
					cc.strs[v] = int32(len(cc.names))
					cc.names = append(cc.names, v)
				}
			}
		case Bool:
			for _, v := range col.Values {
				b, err := strconv.ParseBool(v)
				if err != nil {
					bad("values", "value %q is not a bool (true or false)", v)
					continue
				}
				cc.bools[b2i(b)] = true
			}
		case Timestamp:
			bad("values", "values does not apply to timestamp columns")
		}
	}
	if col.Type == String || col.Type == Bool {
		cc.categorical = true
	}
	return cc, ps
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
