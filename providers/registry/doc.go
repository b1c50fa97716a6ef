// Package registry is the built-in provider of the kinds that live in the
// tracking store: experiment and model (versions, aliases, gates). It talks to the store
// through state/tracking and never imports the engine.
package registry
