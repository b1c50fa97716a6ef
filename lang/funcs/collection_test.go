package funcs

import (
	"testing"

	"github.com/zclconf/go-cty/cty"
)

func TestCollectionFunctions(t *testing.T) {
	runCases(t, filesDir, []evalCase{
		{name: "alltrue all", expr: `alltrue([true, true])`, want: cty.True},
		{name: "alltrue one false", expr: `alltrue([true, false])`, want: cty.False},
		{name: "alltrue empty", expr: `alltrue([])`, want: cty.True},
		{name: "alltrue strings", expr: `alltrue(["true", "true"])`, want: cty.True},
		{name: "alltrue unknown", expr: `alltrue([true, unknown.bool])`, want: cty.UnknownVal(cty.Bool).RefineNotNull()},
		{name: "alltrue false beats unknown", expr: `alltrue([unknown.bool, false])`, want: cty.False},
		{name: "alltrue not bools", expr: `alltrue(["yes"])`, err: `a bool is required`},

		{name: "anytrue one", expr: `anytrue([false, true])`, want: cty.True},
		{name: "anytrue none", expr: `anytrue([false])`, want: cty.False},
		{name: "anytrue empty", expr: `anytrue([])`, want: cty.False},
		{name: "anytrue true beats unknown", expr: `anytrue([unknown.bool, true])`, want: cty.True},
		{name: "anytrue unknown", expr: `anytrue([unknown.bool, false])`, want: cty.UnknownVal(cty.Bool).RefineNotNull()},

		{name: "coalesce skips empty string", expr: `coalesce("", "x")`, want: cty.StringVal("x")},
		{name: "coalesce skips null", expr: `coalesce(null, 2)`, want: cty.NumberIntVal(2)},
		{name: "coalesce converts", expr: `coalesce("", 1)`, want: cty.StringVal("1")},
		{name: "coalesce unknown", expr: `coalesce(unknown.string, "x")`, want: cty.UnknownVal(cty.String)},
		{name: "coalesce nothing", expr: `coalesce("", null)`, err: `every argument is null or an empty string`},

		{name: "index found", expr: `index(["a", "b", "c"], "b")`, want: cty.NumberIntVal(1)},
		{name: "index first of two", expr: `index([1, 2, 2], 2)`, want: cty.NumberIntVal(1)},
		{name: "index missing", expr: `index(["a"], "z")`, err: `the value "z" is not in the list`},
		{name: "index of map", expr: `index({a = 1}, 1)`, err: `index needs a list or tuple to search, not object`},
		{name: "index unknown", expr: `index(unknown.list, "a")`, want: cty.UnknownVal(cty.Number)},

		{name: "length string", expr: `length("héllo")`, want: cty.NumberIntVal(5)},
		{name: "length list", expr: `length(["a", "b"])`, want: cty.NumberIntVal(2)},
		{name: "length map", expr: `length({a = 1, b = 2, c = 3})`, want: cty.NumberIntVal(3)},
		{name: "length set", expr: `length(toset(["a", "a"]))`, want: cty.NumberIntVal(1)},
		{name: "length unknown list", expr: `length(unknown.list)`, want: cty.UnknownVal(cty.Number).RefineNotNull()},
		{name: "length of tuple with unknown", expr: `length([unknown.string, "b"])`, want: cty.NumberIntVal(2)},
		{name: "length of number", expr: `length(3)`, err: `length needs a string, list, set, map, tuple or object, not number`},
		{name: "length of null", expr: `length(null)`, err: `length of a null value is undefined`},

		{name: "matchkeys", expr: `matchkeys(["i-1", "i-2", "i-3"], ["a", "b", "a"], ["a"])`, want: strList("i-1", "i-3")},
		{name: "matchkeys none", expr: `matchkeys(["i-1"], ["a"], ["z"])`, want: strList()},
		{name: "matchkeys lengths", expr: `matchkeys(["i-1"], ["a", "b"], ["a"])`, err: `keys has 2 elements but values has 1`},

		{name: "one of one", expr: `one(["x"])`, want: cty.StringVal("x")},
		{name: "one of none", expr: `one([])`, want: cty.NullVal(cty.DynamicPseudoType)},
		{name: "one of empty list", expr: `one(tolist([]))`, want: cty.NullVal(cty.DynamicPseudoType)},
		{name: "one of set", expr: `one(toset(["a", "a"]))`, want: cty.StringVal("a")},
		{name: "one of two", expr: `one(["a", "b"])`, err: `one needs at most one element; this tuple has 2`},
		{name: "one of list of two", expr: `one(tolist(["a", "b"]))`, err: `this list of string has 2`},
		{name: "one of string", expr: `one("a")`, err: `one needs a list, set or tuple, not string`},

		{name: "sum", expr: `sum([1, 2, 3.5])`, want: cty.NumberFloatVal(6.5)},
		{name: "sum of strings of numbers", expr: `sum(["1", "2"])`, want: cty.NumberIntVal(3)},
		{name: "sum of set", expr: `sum(toset([1, 2]))`, want: cty.NumberIntVal(3)},
		{name: "sum empty", expr: `sum([])`, err: `cannot sum an empty list`},
		{name: "sum of words", expr: `sum(["a"])`, err: `a number is required`},
		{name: "sum of bools", expr: `sum([true])`, err: `sum needs numbers, but an element is bool`},
		{name: "sum with null", expr: `sum([1, null])`, err: `element 1 is null`},

		{name: "transpose", expr: `transpose({a = ["1", "2"], b = ["2", "3"]})`, want: cty.MapVal(map[string]cty.Value{
			"1": strList("a"), "2": strList("a", "b"), "3": strList("b"),
		})},
		{name: "transpose empty", expr: `transpose({})`, want: cty.MapValEmpty(cty.List(cty.String))},
		{name: "transpose not lists", expr: `transpose({a = "1"})`, err: `list of string required`},
	})
}
