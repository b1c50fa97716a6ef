// Package store keeps state documents in a gocloud.dev/blob bucket (file://,
// mem://, s3://, gs://, azblob://, or postgres://, a table of a PostgreSQL
// schema behind a blob driver of its own), one prefix per workspace: the
// current version, an immutable history copy of every serial, the lock
// object, and the journal an apply appends to after every finished
// resource. On PostgreSQL a lock is also a session advisory lock, so that a
// dead holder's lock is taken over. WithEncryption encrypts what it writes
// (state/encryption).
//
// It encodes and decodes with package state and never interprets the
// resources it stores: planning and applying belong to the engine, which
// locks, reads, journals and writes through this package. The key layout,
// locking and journal are documented in docs/state-format.md.
package store
