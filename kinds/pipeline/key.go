package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/mltf/mltf/kinds/training"
)

// Key is what identifies a step's result: the same key, the same
// outputs, so a finished step with this key (in this workspace or any
// other sharing the artifact store) is reused. Its JSON form is hashed
// into Sum and kept in state: never change it.
type Key struct {
	Code    string            `json:"code"`
	Command []string          `json:"command"`
	Params  json.RawMessage   `json:"params"`
	Image   string            `json:"image"`
	Env     map[string]string `json:"env"`
	Outputs []string          `json:"outputs"`
	// Inputs are the inputs' fingerprints: a dataset's, a local file's
	// content hash, or for another step's output the SHA-256 of its bytes.
	Inputs map[string]string `json:"inputs"`
}

// Sum is the hash of the key, in hex.
func (k *Key) Sum() string {
	b, _ := json.Marshal(k)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Reasons says, in the user's words, how k differs from old; versions are
// the dataset versions of the inputs (old and new), for people.
func (k *Key) Reasons(old *Key, oldCode, newCode training.Manifest, oldVersions, newVersions map[string]int64, upstream map[string]string) []string {
	var out []string
	tin := func(x *Key) *training.Inputs {
		return &training.Inputs{Code: x.Code, Command: x.Command, Env: x.Env, Params: x.Params, Image: x.Image, Nodes: 1, ProcsPerNode: 1}
	}
	if oldCode == nil || newCode == nil {
		oldCode, newCode = nil, nil
	}
	out = append(out, training.ChangeReasons(tin(old), tin(k), oldCode, newCode)...)
	if !reflect.DeepEqual(old.Outputs, k.Outputs) {
		out = append(out, fmt.Sprintf("outputs [%s] -> [%s]", strings.Join(old.Outputs, ", "), strings.Join(k.Outputs, ", ")))
	}
	names := map[string]bool{}
	for n := range old.Inputs {
		names[n] = true
	}
	for n := range k.Inputs {
		names[n] = true
	}
	for _, n := range training.SortedKeys(names) {
		o, inOld := old.Inputs[n]
		x, inNew := k.Inputs[n]
		switch {
		case !inOld:
			out = append(out, fmt.Sprintf("input %s added", n))
		case !inNew:
			out = append(out, fmt.Sprintf("input %s removed", n))
		case o == x:
		case upstream[n] != "":
			out = append(out, fmt.Sprintf("input %s changed (%s's output %s… -> %s…)", n, upstream[n], training.Short(o), training.Short(x)))
		case oldVersions[n] > 0 && newVersions[n] > 0 && oldVersions[n] != newVersions[n]:
			out = append(out, fmt.Sprintf("input %s changed (version %d -> %d)", n, oldVersions[n], newVersions[n]))
		default:
			out = append(out, fmt.Sprintf("input %s changed (fingerprint %s… -> %s…)", n, training.Short(o), training.Short(x)))
		}
	}
	return out
}
