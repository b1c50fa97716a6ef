// Package data is the built-in provider of the dataset kind. Planning lists
// the source's objects (no data is read but small objects' content) to
// compute the fingerprint, so a plan shows what changed and replaces every
// training that uses the dataset; applying reads the data, checks the
// contract, computes column statistics and measures drift against a
// baseline version. Subpackages do the work: source opens buckets,
// fingerprint lists, validate reads and checks, stats summarizes. The
// package never imports the engine, and it never writes to the data.
package data
