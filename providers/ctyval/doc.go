// Package ctyval reads and builds the cty values that providers receive
// and return: a Decoder that reads attributes of a configuration value and
// collects diagnostics pointing at the attribute at fault, path walking
// that tolerates nulls and unknowns (Get), attribute paths (Attr) and
// object updates (With).
//
// It knows no kind and no provider; kinds and providers build on it.
package ctyval
