// Package schema describes the shape of a kind's configuration and state:
// attributes with cty types and nested blocks. A schema yields the cty type
// of a resource's value and the hcldec spec that decodes its body. It knows
// nothing of providers, plans or state.
package schema
