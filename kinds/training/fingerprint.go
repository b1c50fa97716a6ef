package training

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"

	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// Inputs are what identifies a training run: its fingerprint is their
// hash, the same on every provider. Policies (checkpoint, retry,
// hang_timeout, resources, pool, options) are not inputs: changing them
// changes no result, so it needs no new run. The JSON form is part of the
// fingerprint and of the providers' private data: never change it.
type Inputs struct {
	Code    string            `json:"code"`
	Command []string          `json:"command"`
	Env     map[string]string `json:"env"`
	// SecretEnv holds secret_env's references, never their values: a new
	// token is not a new run. Absent when empty, so that trainings
	// without secret_env keep their fingerprints.
	SecretEnv    map[string]string `json:"secret_env,omitempty"`
	Params       json.RawMessage   `json:"params"`
	Data         map[string]string `json:"data"` // name -> fingerprint
	Image        string            `json:"image"`
	Nodes        int               `json:"nodes"`
	ProcsPerNode int               `json:"procs_per_node"`
	Backend      string            `json:"backend"`
}

// Fingerprint is the hash of the inputs, in hex.
func (in *Inputs) Fingerprint() string {
	b, _ := json.Marshal(in)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ParamsJSON is the JSON of the params object, "{}" when null: what the
// ranks read from MLTF_PARAMS.
func (c *Config) ParamsJSON() (json.RawMessage, error) {
	if c.Params.IsNull() {
		return json.RawMessage("{}"), nil
	}
	b, err := ctyjson.Marshal(c.Params, c.Params.Type())
	return json.RawMessage(b), err
}

// CodePath is the code directory, relative paths taken from workDir.
func (c *Config) CodePath(workDir string) string {
	if filepath.IsAbs(c.Code) {
		return c.Code
	}
	return filepath.Join(workDir, c.Code)
}

// Planned is what planning a training's inputs found.
type Planned struct {
	Inputs *Inputs
	Code   Manifest
	Data   map[string]DataRef
}

// PlanInputs computes the inputs of c, hashing the code directory and
// local data; backend is c's backend resolved for its pool (BackendFor),
// localPaths as in ResolveData. It returns a nil Inputs (and no error)
// while some input is unknown. An error about data starts with "data.".
func PlanInputs(c *Config, backend, workDir string, localPaths bool) (Planned, error) {
	if len(c.Unknown) > 0 {
		return Planned{}, nil
	}
	codeDir := c.CodePath(workDir)
	m, err := HashTree(codeDir)
	if err != nil {
		return Planned{}, fmt.Errorf("cannot read the code directory: %w", err)
	}
	if len(m) == 0 {
		return Planned{}, fmt.Errorf("the code directory %s holds no files", codeDir)
	}
	data, err := ResolveData(c.Data, workDir, localPaths)
	if err != nil {
		return Planned{}, err
	}
	params, err := c.ParamsJSON()
	if err != nil {
		return Planned{}, err
	}
	env := c.Env
	if env == nil {
		env = map[string]string{}
	}
	in := &Inputs{
		Code: m.Sum(), Command: c.Command, Env: env, SecretEnv: c.SecretEnv, Params: params, Data: map[string]string{},
		Image: c.Image, Nodes: c.Nodes, ProcsPerNode: c.ProcsPerNode, Backend: backend,
	}
	for name, r := range data {
		in.Data[name] = r.Fingerprint
	}
	return Planned{Inputs: in, Code: m, Data: data}, nil
}
