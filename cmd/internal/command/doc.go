// Package command holds one file per mltf command: flag parsing into typed
// structs, loading configuration and state, calling the engine, and handing
// results to the views. It is wired into hashicorp/cli by cmd/mltf.
package command
