// Package registry is the built-in provider of the kinds that live in the
// tracking store: experiment (and, later, model). It talks to the store
// through state/tracking and never imports the engine.
package registry
