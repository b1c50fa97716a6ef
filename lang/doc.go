// Package lang loads mltf configurations: it parses *.mltf.hcl files into a
// Config of settings, variables, locals, outputs, provider blocks and
// resources, keeps source ranges for diagnostics, parses addresses and finds
// the references an expression makes. It evaluates nothing that depends on
// state and knows nothing of plans, stores or providers' processes.
package lang
