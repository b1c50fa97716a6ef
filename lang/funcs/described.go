package funcs

import (
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	ctyyaml "github.com/zclconf/go-cty-yaml"
)

// Functions from other modules that come without descriptions, described
// here so that every function in the table can be documented.
var (
	tryFunc = tryfunc.TryFunc.WithNewDescriptions(
		"Evaluates each argument in turn and returns the first that succeeds without an error.",
		[]string{"expressions to try, in order"})
	canFunc = tryfunc.CanFunc.WithNewDescriptions(
		"Returns true if the given expression evaluates without an error, false otherwise.",
		[]string{"the expression to test"})
	yamlDecodeFunc = ctyyaml.YAMLDecodeFunc.WithNewDescriptions(
		"Parses a YAML document into a value.",
		[]string{"the YAML text"})
	yamlEncodeFunc = ctyyaml.YAMLEncodeFunc.WithNewDescriptions(
		"Encodes a value as a YAML document.",
		[]string{"the value to encode"})
)
