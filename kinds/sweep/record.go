package sweep

import (
	"fmt"
	"math"

	"github.com/mltf/mltf/kinds/sweep/search"
)

// Record is one trial as state keeps it.
type Record struct {
	Number int `json:"number"`
	// Params are the trial's coordinates in the space, in the order of the
	// sweep's param blocks; a values parameter holds the index of its value.
	Params []float64 `json:"params"`
	State  string    `json:"state"` // running, complete, pruned, failed
	// Value is the objective of a complete trial, the last intermediate
	// value of a pruned one.
	Value  *float64       `json:"value,omitempty"`
	Points []search.Point `json:"points,omitempty"`
	RunID  string         `json:"run_id,omitempty"`
	// Locator is what the launcher needs to find the run again (its run
	// flow private data).
	Locator []byte             `json:"locator,omitempty"`
	Metrics map[string]float64 `json:"metrics,omitempty"`
	// Reused says the trial adopted a finished run with its fingerprint.
	Reused bool `json:"reused,omitempty"`
	// Detail says why a trial failed.
	Detail string `json:"detail,omitempty"`
}

var stateNames = map[search.State]string{
	search.Running: "running", search.Complete: "complete", search.Pruned: "pruned", search.Failed: "failed",
}

func stateOf(name string) (search.State, bool) {
	for s, n := range stateNames {
		if n == name {
			return s, true
		}
	}
	return 0, false
}

// trials converts records to the search's history.
func trials(recs []Record) ([]search.Trial, error) {
	out := make([]search.Trial, len(recs))
	for i, r := range recs {
		st, ok := stateOf(r.State)
		if !ok {
			return nil, fmt.Errorf("trial %d has an unknown state %q", r.Number, r.State)
		}
		v := math.NaN()
		if r.Value != nil {
			v = *r.Value
		} else if st == search.Complete {
			return nil, fmt.Errorf("trial %d is complete but has no value", r.Number)
		}
		out[i] = search.Trial{Number: r.Number, Params: r.Params, State: st, Value: v, Points: r.Points}
	}
	return out, nil
}

// Summary counts a sweep's trials and names its best one.
type Summary struct {
	Done, Pruned, Failed, Running int
	Best                          *Record
}

// Summarize counts records; best is the complete trial with the best value.
func Summarize(recs []Record, goal search.Goal) Summary {
	var s Summary
	for i := range recs {
		r := &recs[i]
		switch r.State {
		case "complete":
			s.Done++
			if s.Best == nil || better(*r.Value, *s.Best.Value, goal) {
				s.Best = r
			}
		case "pruned":
			s.Pruned++
		case "failed":
			s.Failed++
		case "running":
			s.Running++
		}
	}
	return s
}

func better(a, b float64, goal search.Goal) bool {
	if goal == search.Maximize {
		return a > b
	}
	return a < b
}
