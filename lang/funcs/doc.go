// Package funcs builds the function table of mltf's HCL evaluation context:
// the functions Terraform users know (cty's stdlib, hcl's try and can) plus
// the ones written here (file and path functions, templatefile, hashes,
// encodings, timestamp, uuid, and the collection and string functions the
// stdlib lacks).
//
// It evaluates nothing itself and knows nothing of configurations, plans or
// state: the caller puts Functions(baseDir, planning) into an hcl.EvalContext.
// File functions read below baseDir (or an absolute path), never write.
package funcs
