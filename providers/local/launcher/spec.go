package launcher

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Spec is everything the supervisor needs to run the ranks. The provider
// writes it to spec.json before starting the supervisor.
type Spec struct {
	RunID   string   `json:"run_id"`
	Command []string `json:"command"`
	// Env holds variables added to the supervisor's environment for every
	// rank: the user's env and the MLTF_PARAMS / MLTF_DATA_* variables.
	Env map[string]string `json:"env,omitempty"`
	// SecretEnv names the variables whose values are sensitive: they
	// reach the supervisor through its environment, never through this
	// file, and the supervisor masks their values in the rank logs.
	SecretEnv []string `json:"secret_env,omitempty"`
	// Secrets are the values of SecretEnv, given to Start and Resume;
	// they are never written.
	Secrets map[string]string `json:"-"`

	Nodes        int    `json:"nodes"`
	ProcsPerNode int    `json:"procs_per_node"`
	Backend      string `json:"backend"` // "gloo" or "nccl", resolved
	MasterAddr   string `json:"master_addr,omitempty"`
	// MasterPort 0 means a free port is picked for every attempt.
	MasterPort  int               `json:"master_port,omitempty"`
	DistTimeout Duration          `json:"dist_timeout,omitempty"`
	NCCL        map[string]string `json:"nccl,omitempty"`
	// GPUs are the device indices of the pool; rank LOCAL_RANK sees
	// GPUs[LOCAL_RANK % len(GPUs)] as its only device.
	GPUs       []string `json:"gpus,omitempty"`
	OMPThreads int      `json:"omp_threads,omitempty"`

	CheckpointEvery Duration `json:"checkpoint_every,omitempty"`
	CheckpointKeep  int      `json:"checkpoint_keep"`

	RetryInfrastructure int      `json:"retry_infrastructure"`
	RetryUserError      int      `json:"retry_user_error"`
	HangTimeout         Duration `json:"hang_timeout,omitempty"` // 0: no hang detection
	// StopGrace is how long ranks get between SIGTERM and SIGKILL.
	StopGrace Duration `json:"stop_grace,omitempty"`
}

// WorldSize is the number of ranks.
func (s *Spec) WorldSize() int { return s.Nodes * s.ProcsPerNode }

// Validate reports the first inconsistency of a spec.
func (s *Spec) Validate() error {
	switch {
	case s.RunID == "":
		return fmt.Errorf("spec has no run id")
	case len(s.Command) == 0 || s.Command[0] == "":
		return fmt.Errorf("spec has no command")
	case s.Nodes < 1 || s.ProcsPerNode < 1:
		return fmt.Errorf("spec needs at least one node and one process per node, got %d x %d", s.Nodes, s.ProcsPerNode)
	case s.CheckpointKeep < 1:
		return fmt.Errorf("spec keeps %d checkpoints, need at least 1", s.CheckpointKeep)
	case s.RetryInfrastructure < 0 || s.RetryUserError < 0:
		return fmt.Errorf("spec has a negative retry budget")
	}
	return nil
}

func (s *Spec) stopGrace() time.Duration {
	if s.StopGrace <= 0 {
		return 5 * time.Second
	}
	return time.Duration(s.StopGrace)
}

// Duration is a time.Duration that reads and writes as "30s" in JSON.
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

func readSpec(dir string) (*Spec, error) {
	b, err := os.ReadFile(filepath.Join(dir, specFile))
	if err != nil {
		return nil, err
	}
	var s Spec
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, specFile), err)
	}
	return &s, s.Validate()
}

// writeFileAtomic replaces path with data, so readers never see a torn
// file.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Names inside a run directory.
const (
	specFile      = "spec.json"
	statusFile    = "status.json"
	lockFile      = "supervisor.lock"
	metricsFile   = "metrics.jsonl"
	codeDir       = "code"
	sdkDir        = "sdk"
	logsDir       = "logs"
	checkpointDir = "checkpoints"
	artifactDir   = "artifacts"
	commitMarker  = "COMMIT"
)
