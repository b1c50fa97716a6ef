package local

import "testing"

// benchTracker is the tracking store the ingest benchmark writes to.
func benchTracker(b *testing.B) Tracker { return &memTracker{} }
