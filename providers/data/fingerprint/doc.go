// Package fingerprint identifies a dataset's content from the listing of its
// objects, without downloading them: per object, the store's MD5 or ETag,
// else a content hash when the object is small, else its size and
// modification time. Listing and hashing run in parallel. A Listing is kept
// in the instance's private state so the next plan can say what changed
// (Diff) and skip re-hashing small objects whose size and modification time
// are unchanged. It never validates data: see package validate.
package fingerprint
