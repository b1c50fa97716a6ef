// Package local is the bundled provider of the local machine: it owns the
// cluster kind (this host's CPUs, memory and GPUs, split into pools of
// slots) and the training kind, which it runs by launching distributed
// PyTorch ranks itself (see package launcher). It plans trainings by
// fingerprint, re-attaches to runs an interrupted apply left behind, streams
// logs, progress and metrics as events, records runs and metric points in
// the tracking store and uploads artifacts to the artifact store.
//
// It never imports the engine; it talks to it only through
// providers.Interface.
package local
