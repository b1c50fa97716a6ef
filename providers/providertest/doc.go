// Package providertest is the conformance suite every provider passes:
// schema sanity, plan idempotence, apply then read agrees with the plan,
// updates, import round trips where supported, destroy, and cancellation
// through both the context and Stop.
//
//	providertest.Run(t, func(t *testing.T) providers.Interface { ... }, providertest.Cases{...})
//
// It drives a providers.Interface the way the engine does, so it runs
// against an in-process provider and against a plugin process alike. It
// never imports the engine.
package providertest
