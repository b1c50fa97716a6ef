package launcher

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// State is where a run is in its life.
type State string

const (
	Starting   State = "starting"
	Running    State = "running"
	Restarting State = "restarting"
	Succeeded  State = "succeeded"
	Failed     State = "failed"
	Cancelled  State = "cancelled"
)

// Terminal reports whether the run has ended.
func (s State) Terminal() bool { return s == Succeeded || s == Failed || s == Cancelled }

// Cause is the budget a rank failure counts against.
type Cause string

const (
	Infrastructure Cause = "infrastructure" // killed by a signal, lost, hung
	UserError      Cause = "user_error"     // non-zero exit of the user's code
)

// Status is what the supervisor writes to status.json.
type Status struct {
	RunID         string             `json:"run_id"`
	State         State              `json:"state"`
	SupervisorPID int                `json:"supervisor_pid"`
	Attempt       int                `json:"attempt"` // 1 for the first start
	Attempts      []Attempt          `json:"attempts,omitempty"`
	Restarts      map[string]int     `json:"restarts"` // by Cause
	Step          int64              `json:"step"`
	Total         int64              `json:"total,omitempty"`
	Metrics       map[string]float64 `json:"metrics,omitempty"` // latest of each
	// Env is what rank 0 reported about itself (mltf.env lines): python
	// and torch versions, devices.
	Env        map[string]string `json:"env,omitempty"`
	Checkpoint string            `json:"checkpoint,omitempty"` // newest committed
	Started    time.Time         `json:"started"`
	Finished   time.Time         `json:"finished,omitzero"`
	Updated    time.Time         `json:"updated"`
	Error      *Failure          `json:"error,omitempty"`
}

// Attempt is one start of all ranks.
type Attempt struct {
	N          int       `json:"n"`
	MasterPort int       `json:"master_port"`
	ResumeFrom string    `json:"resume_from,omitempty"`
	PIDs       []int     `json:"pids"`
	Started    time.Time `json:"started"` // all ranks started
	Ended      time.Time `json:"ended,omitzero"`
	Failure    *Failure  `json:"failure,omitempty"`
}

// Failure describes why an attempt ended badly.
type Failure struct {
	Cause   Cause     `json:"cause"`
	Rank    int       `json:"rank"` // -1 when no single rank is to blame (a hang)
	Message string    `json:"message"`
	Time    time.Time `json:"time"`
	// Tail holds the last lines of the failing rank's log.
	Tail []string `json:"tail,omitempty"`
}

func (f *Failure) String() string {
	if f == nil {
		return ""
	}
	return fmt.Sprintf("%s (%s)", f.Message, f.Cause)
}

// ReadStatus reads a run directory's status.json.
func ReadStatus(dir string) (Status, error) {
	var st Status
	b, err := os.ReadFile(filepath.Join(dir, statusFile))
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("%s is damaged: %w", filepath.Join(dir, statusFile), err)
	}
	return st, nil
}

func writeStatus(dir string, st *Status) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, statusFile), b)
}
