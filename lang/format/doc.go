// Package format rewrites mltf configuration files (*.mltf.hcl) and
// variable files (*.mltfvars) in the canonical HCL layout, as `mltf fmt`
// does: hclwrite's formatting after a syntax check, one newline at the end
// of the file, and a unified diff of what changed.
//
// It never rewrites a file with a syntax error, never evaluates anything,
// and knows nothing of the CLI: the fmt command turns Options and Results
// into flags, output and an exit code.
package format
