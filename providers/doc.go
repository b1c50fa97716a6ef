// Package providers defines the interface between the engine and the
// providers that own the kinds: requests and responses carrying cty values
// and diagnostics, and the events a long-running ApplyChange streams. It
// holds no provider and never imports the engine.
package providers
