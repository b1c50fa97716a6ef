// Package search reads the run filters and orderings of mltf server's
// APIs, written in MLflow's search syntax
// (metrics.accuracy >= 0.9 and params.lr = '0.1', ordered by
// metrics.accuracy DESC), and runs them on the tracking store: conditions
// and an order on metrics go to the database, the rest is applied to the
// runs it returns.
package search
