// Package kinds is the table of resource kinds: for each kind, its name,
// the package that owns its schema, how the engine chooses its provider
// and whether it is long-running. lang accepts the block types it names,
// plan routes resources with it, and the CLI and docs list it.
//
// It is data and imports nothing of mltf, so every layer may read it. It
// must not grow behaviour: a kind's schema, decoding and plan reasons live
// in the kind's own package (kinds/NAME, or the provider package the
// table names), never here.
package kinds
