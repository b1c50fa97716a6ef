// Package state holds the state document: what mltf remembers about the
// resources it manages (their instances' attributes, status and
// dependencies), the outputs, and the serial and lineage that identify a
// version of it. Encode and Decode convert it to and from its JSON form,
// documented in docs/state-format.md.
//
// The package does no I/O besides encoding: it never locks and never reads
// or writes a file. Stores live in state/store, encryption at rest in
// state/encryption, the tracking database in state/tracking.
package state
