package serving

import (
	"encoding/json"
	"fmt"
	"time"
)

// Spec is what a front end serves: its model, where it listens, how it
// batches, its versions and their traffic. The admin API replaces the
// versions and traffic while it runs.
type Spec struct {
	Model  string `json:"model"`
	Listen string `json:"listen"`
	// Admin is the address of the admin API ("127.0.0.1:0": any port).
	Admin    string    `json:"admin"`
	Batching Batching  `json:"batching"`
	Versions []Version `json:"versions"`
	// Baseline is the training data's distribution for input drift; nil
	// measures no drift.
	Baseline *Baseline `json:"baseline,omitempty"`
}

// Batching bounds a batch: at most MaxBatchSize rows, and a request waits
// at most MaxLatency for others to join it.
type Batching struct {
	MaxBatchSize int      `json:"max_batch_size"`
	MaxLatency   Duration `json:"max_latency"`
}

// Version is one model version the front end serves.
type Version struct {
	Version int64 `json:"version"`
	// Weight is the version's share of live traffic, relative to the
	// other versions' weights (0: none).
	Weight int `json:"weight"`
	// Shadow is the percentage of live requests mirrored to the version,
	// whose answers are discarded.
	Shadow int `json:"shadow,omitempty"`
	// Workers are the addresses (host:port) of workers already running.
	// A host name stands for every address it resolves to, resolved again
	// every few seconds: on Kubernetes, the version's headless Service,
	// whose DNS records are its ready pods.
	Workers []string `json:"workers,omitempty"`
	// Replicas is how many workers Workers should give once all are
	// ready, for the rollout's wait (0: as many as they give).
	Replicas int `json:"replicas,omitempty"`
	// Spawn, when set, makes the front end start and supervise Replicas
	// local worker processes.
	Spawn *Spawn `json:"spawn,omitempty"`
}

// Spawn is how the front end starts a version's workers: Command with
// "{port}" replaced by a free port, in Dir.
type Spawn struct {
	Command  []string          `json:"command"`
	Dir      string            `json:"dir,omitempty"`
	Env      map[string]string `json:"env,omitempty"`
	Replicas int               `json:"replicas"`
}

// Duration is a time.Duration written as "5ms" in JSON.
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: %w", s, err)
	}
	*d = Duration(v)
	return nil
}

// Check says what is wrong with s.
func (s *Spec) Check() error {
	if s.Model == "" {
		return fmt.Errorf("the spec names no model")
	}
	if s.Batching.MaxBatchSize < 1 {
		return fmt.Errorf("batching.max_batch_size must be at least 1")
	}
	seen := map[int64]bool{}
	for _, v := range s.Versions {
		if seen[v.Version] {
			return fmt.Errorf("version %d is listed twice", v.Version)
		}
		seen[v.Version] = true
		if v.Weight < 0 || v.Shadow < 0 || v.Shadow > 100 {
			return fmt.Errorf("version %d: weight must be >= 0 and shadow within 0..100", v.Version)
		}
		if len(v.Workers) == 0 && (v.Spawn == nil || v.Spawn.Replicas < 1 || len(v.Spawn.Command) == 0) {
			return fmt.Errorf("version %d has no workers: give their addresses or a command and replicas", v.Version)
		}
	}
	return nil
}
