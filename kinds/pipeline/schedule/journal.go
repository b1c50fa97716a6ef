package schedule

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Journal is what a scheduler remembers across restarts: for each
// pipeline the last tick it handled and its last runs. Every change is
// written (and synced) before the scheduler acts on it.
type Journal struct {
	path string

	mu sync.Mutex
	doc
}

type doc struct {
	Pipelines map[string]*Entry `json:"pipelines"`
}

// Entry is one pipeline in the journal.
type Entry struct {
	Last time.Time `json:"last"`
	Runs []Run     `json:"runs,omitempty"` // newest last
}

// Run is one tick as the scheduler handled it.
type Run struct {
	Tick     time.Time `json:"tick"`
	Missed   int       `json:"missed,omitempty"` // ticks it stands for, when more than one
	Started  time.Time `json:"started,omitempty"`
	Finished time.Time `json:"finished,omitempty"`
	// Status is "running", "finished", "failed", "replaced" or "skipped".
	Status string `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// maxRuns is how many runs the journal keeps per pipeline.
const maxRuns = 50

// OpenJournal reads the journal at path; a missing file is empty.
func OpenJournal(path string) (*Journal, error) {
	j := &Journal{path: path, doc: doc{Pipelines: map[string]*Entry{}}}
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return j, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &j.doc); err != nil {
		return nil, fmt.Errorf("the scheduler's journal %s is unreadable: %w", path, err)
	}
	if j.Pipelines == nil {
		j.Pipelines = map[string]*Entry{}
	}
	return j, nil
}

// Last is the last tick handled for pipeline (zero: none).
func (j *Journal) Last(pipeline string) time.Time {
	j.mu.Lock()
	defer j.mu.Unlock()
	if e := j.Pipelines[pipeline]; e != nil {
		return e.Last
	}
	return time.Time{}
}

// Runs are the pipeline's recorded runs, newest last.
func (j *Journal) Runs(pipeline string) []Run {
	j.mu.Lock()
	defer j.mu.Unlock()
	if e := j.Pipelines[pipeline]; e != nil {
		return append([]Run(nil), e.Runs...)
	}
	return nil
}

// Claim records tick as handled with its run r, durably, before the run
// starts: a scheduler restarted after this never runs the tick again.
func (j *Journal) Claim(pipeline string, r Run) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	e := j.Pipelines[pipeline]
	if e == nil {
		e = &Entry{}
		j.Pipelines[pipeline] = e
	}
	prev := e.Last
	e.Last = r.Tick
	e.Runs = append(e.Runs, r)
	if len(e.Runs) > maxRuns {
		e.Runs = e.Runs[len(e.Runs)-maxRuns:]
	}
	if err := j.write(); err != nil {
		e.Last, e.Runs = prev, e.Runs[:len(e.Runs)-1]
		return err
	}
	return nil
}

// Finish records how the run of tick ended.
func (j *Journal) Finish(pipeline string, tick time.Time, status, detail string, at time.Time) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	e := j.Pipelines[pipeline]
	if e == nil {
		return nil
	}
	for i := len(e.Runs) - 1; i >= 0; i-- {
		if e.Runs[i].Tick.Equal(tick) {
			e.Runs[i].Status, e.Runs[i].Detail, e.Runs[i].Finished = status, detail, at
			break
		}
	}
	return j.write()
}

// write replaces the journal file atomically and syncs it.
func (j *Journal) write() error {
	b, err := json.MarshalIndent(j.doc, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(j.path), 0o755); err != nil {
		return err
	}
	tmp := j.path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, j.path); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(j.path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
