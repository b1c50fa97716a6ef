// Package search is the search engine of sweeps: the parameter space, the
// samplers (grid, random, TPE) that propose a trial's parameters, and the
// pruners (median, ASHA) that stop unpromising trials early.
//
// It is pure and deterministic: no clock, no I/O, no global random source.
// A Study owns the history of one search; its suggestions depend only on the
// seed, the space and the order in which trials were asked, reported and
// told, so a study rebuilt from recorded trials (Study.Restore) continues
// exactly where it stopped. Running trials, launching processes and
// recording results belong to the sweep kind, not here.
package search
