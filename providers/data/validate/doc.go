// Package validate reads a dataset's objects (CSV, Parquet or JSON lines),
// checks every row against a Contract and computes column statistics, in
// one streaming pass: objects are read in parallel, pieces of them flow in
// bounded batches to a pool of workers, and memory does not grow with the
// data (columns checked for uniqueness keep their keys within a budget and
// spill to temporary files past it). Failures are collected per column and check, with the
// count of bad rows, the objects and a few example rows. It knows nothing
// of cty, plans or providers: package data turns a Result into state and
// diagnostics.
package validate
