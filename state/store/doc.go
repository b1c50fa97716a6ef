// Package store keeps state documents in a gocloud.dev/blob bucket (file://,
// mem://, s3://, gs://, azblob://), one prefix per workspace: the current
// version, an immutable history copy of every serial, the lock object, and
// the journal an apply appends to after every finished resource.
//
// It encodes and decodes with package state and never interprets the
// resources it stores: planning and applying belong to the engine, which
// locks, reads, journals and writes through this package. The key layout,
// locking and journal are documented in docs/state-format.md.
package store
