// Package sweep is the sweep kind: a hyperparameter search over a training
// template, each trial an ordinary fingerprinted run.
//
// It owns what a sweep is, the same for every provider that runs one: the
// records of its trials as state keeps them (Record), the identity of its
// study and the plan's words for it (Spec, Describe, Compare), and the
// driver that runs trials a few at a time, feeds their intermediate metrics
// to the pruner, stops pruned trials and resumes from recorded trials after
// a crash (Driver). Launching a trial belongs to the run flow behind the
// Launcher interface; the search itself is package search.
package sweep
