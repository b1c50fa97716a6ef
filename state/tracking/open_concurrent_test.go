package tracking_test

import (
	"context"
	"sync"
	"testing"

	"github.com/mltf/mltf/state/tracking"
)

// TestOpenConcurrently opens one new database from many stores at once,
// as the provider plugins of one apply do; none may fail as locked.
func TestOpenConcurrently(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := tracking.Open(context.Background(), "sqlite://.mltf/tracking.db", dir)
			if err != nil {
				errs <- err
				return
			}
			_, err = s.CreateExperiment(context.Background(), tracking.Experiment{Name: "shared"})
			if err != nil {
				errs <- err
			}
			s.Close()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
