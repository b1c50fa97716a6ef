package format

import (
	"bytes"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// Source returns src in the canonical layout. filename is used only in
// diagnostics. When src has a syntax error, Source returns nil and the
// errors, with their file:line:col.
func Source(src []byte, filename string) ([]byte, hcl.Diagnostics) {
	// hclwrite formats whatever tokens it is given; only a real parse
	// tells a broken file from a well-formed one.
	_, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	return endWithNewline(hclwrite.Format(src)), diags
}

// endWithNewline ends a non-empty file with exactly one line ending (the
// file's own style, \n or \r\n), and makes a file of only blank space
// empty.
func endWithNewline(src []byte) []byte {
	eol := []byte("\n")
	if bytes.Contains(src, []byte("\r\n")) {
		eol = []byte("\r\n")
	}
	trimmed := bytes.TrimRight(src, " \t\r\n")
	if len(trimmed) == 0 {
		return []byte{}
	}
	return append(trimmed[:len(trimmed):len(trimmed)], eol...)
}
