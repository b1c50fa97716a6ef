// Package storetest is the conformance suite every state store passes:
// serials, history, lineage, workspaces, locking (contention, waiting,
// staleness, force-unlock) and journal replay after an apply that was
// stopped before writing its state. Run it from each store's tests:
//
//	storetest.Run(t, func(t *testing.T) *store.Store { ... })
package storetest
