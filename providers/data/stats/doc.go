// Package stats computes a data set's column statistics in one streaming
// pass, with memory that does not grow with the data: count, nulls, min,
// max, mean and standard deviation (Welford), quantiles from a fixed-size
// reservoir sample, and top values from a bounded Misra-Gries summary. It
// also measures drift between two summaries by the population stability
// index. Accumulators are not safe for concurrent use: each worker keeps its
// own and merges them at the end. The package reads no data itself.
package stats
