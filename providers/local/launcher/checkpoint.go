package launcher

import (
	"os"
	"path/filepath"
	"sort"
	"time"
)

// Checkpoint is one committed checkpoint directory.
type Checkpoint struct {
	Name      string
	Path      string
	Committed time.Time // modification time of its COMMIT marker
}

// Committed lists the committed checkpoints under dir, newest first.
func Committed(dir string) ([]Checkpoint, error) {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Checkpoint
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		p := filepath.Join(dir, e.Name())
		fi, err := os.Stat(filepath.Join(p, commitMarker))
		if err != nil {
			continue
		}
		out = append(out, Checkpoint{Name: e.Name(), Path: p, Committed: fi.ModTime()})
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Committed.Equal(out[j].Committed) {
			return out[i].Committed.After(out[j].Committed)
		}
		return out[i].Name > out[j].Name
	})
	return out, nil
}

// pruneCheckpoints deletes all but the newest keep committed checkpoints
// and returns the newest one's path ("" when there is none).
func pruneCheckpoints(dir string, keep int) (string, error) {
	cks, err := Committed(dir)
	if err != nil || len(cks) == 0 {
		return "", err
	}
	for _, c := range cks[min(keep, len(cks)):] {
		if err := os.RemoveAll(c.Path); err != nil {
			return cks[0].Path, err
		}
	}
	return cks[0].Path, nil
}

// removeUncommitted deletes checkpoint directories without a COMMIT
// marker: what a dead rank left half written. Only call it while no rank
// runs.
func removeUncommitted(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if _, err := os.Stat(filepath.Join(p, commitMarker)); os.IsNotExist(err) {
			if err := os.RemoveAll(p); err != nil {
				return err
			}
		}
	}
	return nil
}
