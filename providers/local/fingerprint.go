package local

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"

	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// inputs are what identifies a training run: its fingerprint is their
// hash. Policies (checkpoint, retry, hang_timeout, resources, pool) are
// not inputs: changing them changes no result, so it needs no new run.
type inputs struct {
	Code         string            `json:"code"`
	Command      []string          `json:"command"`
	Env          map[string]string `json:"env"`
	Params       json.RawMessage   `json:"params"`
	Data         map[string]string `json:"data"` // name -> fingerprint
	Image        string            `json:"image"`
	Nodes        int               `json:"nodes"`
	ProcsPerNode int               `json:"procs_per_node"`
	Backend      string            `json:"backend"`
}

// fingerprint is the hash of the inputs, in hex.
func (in *inputs) fingerprint() string {
	b, _ := json.Marshal(in)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// paramsJSON is the JSON of the params object, "{}" when null: what the
// ranks read from MLTF_PARAMS.
func paramsJSON(c *trainingConfig) (json.RawMessage, error) {
	if c.Params.IsNull() {
		return json.RawMessage("{}"), nil
	}
	b, err := ctyjson.Marshal(c.Params, c.Params.Type())
	return json.RawMessage(b), err
}

// plannedInputs computes the inputs of c, hashing the code directory. It
// returns a nil inputs (and no error) while some input is unknown.
func plannedInputs(c *trainingConfig, workDir string) (*inputs, manifest, map[string]dataRef, error) {
	if len(c.Unknown) > 0 {
		return nil, nil, nil, nil
	}
	codeDir := c.Code
	if !filepath.IsAbs(codeDir) {
		codeDir = filepath.Join(workDir, codeDir)
	}
	m, err := hashTree(codeDir)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("cannot read the code directory: %w", err)
	}
	if len(m) == 0 {
		return nil, nil, nil, fmt.Errorf("the code directory %s holds no files", codeDir)
	}
	data, err := resolveData(c.Data, workDir)
	if err != nil {
		return nil, nil, nil, err
	}
	params, err := paramsJSON(c)
	if err != nil {
		return nil, nil, nil, err
	}
	in := &inputs{
		Code: m.sum(), Command: c.Command, Env: c.Env, Params: params, Data: map[string]string{},
		Image: c.Image, Nodes: c.Nodes, ProcsPerNode: c.ProcsPerNode, Backend: c.ResolvedBackend(),
	}
	for name, r := range data {
		in.Data[name] = r.Fingerprint
	}
	return in, m, data, nil
}

// short abbreviates an id or hash for people.
func short(s string) string {
	if len(s) > 8 {
		return s[:8]
	}
	return s
}
