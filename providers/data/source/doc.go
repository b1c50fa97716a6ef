// Package source resolves a dataset's source (a gocloud blob URL or a local
// path, naming one object or a prefix of many) to a bucket and a key, and
// opens its objects for reading. It blank-imports the blob drivers for
// file://, mem://, s3://, gs:// and azblob://. It lists nothing and hashes
// nothing: see package fingerprint.
package source
