package trackingtest

import (
	"context"
	"sync"
	"testing"

	"github.com/mltf/mltf/state/tracking"
)

// testOpenConcurrently opens one new database from many stores at once,
// as the provider plugins of one apply do; none may fail as locked.
func testOpenConcurrently(t *testing.T, newURL NewURL) {
	url := newURL(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := tracking.Open(context.Background(), url, "")
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
