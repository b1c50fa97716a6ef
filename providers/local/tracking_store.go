package local

import "context"

// openTrackingStore opens the tracking store of package state/tracking.
// Until that store is part of the module, runs are not tracked.
func openTrackingStore(ctx context.Context, url, workDir string) (Tracker, error) {
	return nil, nil
}
