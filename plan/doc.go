// Package plan is the engine: it builds the dependency graph of a
// configuration, plans changes by diffing prior state against the
// configuration through providers, applies a plan by walking the graph in
// parallel, and encodes saved plan files. Plan and Apply are pure: the caller
// loads and saves state, and receives progress and finished instances
// through Hooks. The engine talks to providers only through
// providers.Interface and knows nothing of their transport.
package plan
