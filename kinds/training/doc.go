// Package training owns the training kind as mltf defines it, the same for
// every backend that runs trainings: its schema (Schema), the decoding and
// validation of its configuration (Decode), the fingerprint of a run's
// inputs and the plan's reasons when they change (Inputs, ChangeReasons),
// the hashing of the code directory (HashTree) and the computed values of a
// training (RunFacts). One configuration thus plans to the same fingerprint
// locally and on Kubernetes.
//
// A backend adds what is its own on top: its options {} block, what it
// reads of its pool, checks that depend on the pool. This package never
// launches, schedules or supervises anything (package providers/runflow
// does), and never imports a provider or the engine.
package training
