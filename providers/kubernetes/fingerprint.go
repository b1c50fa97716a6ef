package kubernetes

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"

	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// inputs are what identifies a training run: its fingerprint is their
// hash, with the same fields as the local provider's. Policies (retry,
// checkpoint, resources, options, pool) are not inputs.
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

func (in *inputs) fingerprint() string {
	b, _ := json.Marshal(in)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// plannedInputs computes the inputs of c, hashing the code directory. It
// returns a nil inputs (and no error) while some input is unknown.
func plannedInputs(c *trainingConfig, workDir string) (*inputs, manifest, map[string]dataRef, error) {
	if len(c.Unknown) > 0 {
		return nil, nil, nil, nil
	}
	codeDir := codePath(c, workDir)
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
	params := json.RawMessage("{}")
	if !c.Params.IsNull() {
		b, err := ctyjson.Marshal(c.Params, c.Params.Type())
		if err != nil {
			return nil, nil, nil, err
		}
		params = b
	}
	env := c.Env
	if env == nil {
		env = map[string]string{}
	}
	in := &inputs{
		Code: m.sum(), Command: c.Command, Env: env, Params: params, Data: map[string]string{},
		Image: c.Image, Nodes: c.Nodes, ProcsPerNode: c.ProcsPerNode, Backend: c.ResolvedBackend(),
	}
	for name, r := range data {
		in.Data[name] = r.Fingerprint
	}
	return in, m, data, nil
}

func codePath(c *trainingConfig, workDir string) string {
	if filepath.IsAbs(c.Code) {
		return c.Code
	}
	return filepath.Join(workDir, c.Code)
}

// changeReasons says, in the user's words, which inputs differ.
func changeReasons(old, new *inputs, oldCode, newCode manifest) []string {
	var out []string
	if old.Code != new.Code {
		if oldCode == nil {
			out = append(out, "code changed")
		} else {
			n := oldCode.changed(newCode)
			out = append(out, fmt.Sprintf("code changed (%d %s)", n, plural(n, "file", "files")))
		}
	}
	if !reflect.DeepEqual(old.Command, new.Command) {
		out = append(out, fmt.Sprintf("command [%s] -> [%s]", strings.Join(old.Command, " "), strings.Join(new.Command, " ")))
	}
	out = append(out, mapReasons("env", old.Env, new.Env)...)
	out = append(out, jsonReasons("params", old.Params, new.Params)...)
	for _, name := range unionKeys(old.Data, new.Data) {
		o, inOld := old.Data[name]
		n, inNew := new.Data[name]
		switch {
		case !inOld:
			out = append(out, fmt.Sprintf("data.%s added", name))
		case !inNew:
			out = append(out, fmt.Sprintf("data.%s removed", name))
		case o != n:
			out = append(out, fmt.Sprintf("data.%s fingerprint %s -> %s", name, short(o), short(n)))
		}
	}
	if old.Image != new.Image {
		out = append(out, fmt.Sprintf("image %q -> %q", old.Image, new.Image))
	}
	if old.Nodes != new.Nodes || old.ProcsPerNode != new.ProcsPerNode || old.Backend != new.Backend {
		out = append(out, fmt.Sprintf("distributed %s -> %s", shape(old.Nodes, old.ProcsPerNode, old.Backend), shape(new.Nodes, new.ProcsPerNode, new.Backend)))
	}
	return out
}

func shape(nodes, procs int, backend string) string {
	return fmt.Sprintf("%d %s × %d %s (%s)", nodes, plural(nodes, "node", "nodes"), procs, plural(procs, "proc", "procs"), backend)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func mapReasons(prefix string, old, new map[string]string) []string {
	var out []string
	for _, k := range unionKeys(old, new) {
		o, inOld := old[k]
		n, inNew := new[k]
		switch {
		case !inOld:
			out = append(out, fmt.Sprintf("%s.%s added", prefix, k))
		case !inNew:
			out = append(out, fmt.Sprintf("%s.%s removed", prefix, k))
		case o != n:
			out = append(out, fmt.Sprintf("%s.%s %q -> %q", prefix, k, o, n))
		}
	}
	return out
}

// jsonReasons compares two JSON objects leaf by leaf: "params.lr 0.05 -> 0.1".
func jsonReasons(prefix string, old, new json.RawMessage) []string {
	o, n := map[string]string{}, map[string]string{}
	flattenJSON(prefix, old, o)
	flattenJSON(prefix, new, n)
	var out []string
	for _, k := range unionKeys(o, n) {
		a, inOld := o[k]
		b, inNew := n[k]
		switch {
		case !inOld:
			out = append(out, fmt.Sprintf("%s added (%s)", k, b))
		case !inNew:
			out = append(out, fmt.Sprintf("%s removed (was %s)", k, a))
		case a != b:
			out = append(out, fmt.Sprintf("%s %s -> %s", k, a, b))
		}
	}
	return out
}

func flattenJSON(prefix string, raw json.RawMessage, out map[string]string) {
	var v any
	d := json.NewDecoder(strings.NewReader(string(raw)))
	d.UseNumber()
	if len(raw) == 0 || d.Decode(&v) != nil {
		return
	}
	var walk func(string, any)
	walk = func(p string, v any) {
		if m, ok := v.(map[string]any); ok {
			for k, e := range m {
				walk(p+"."+k, e)
			}
			return
		}
		b, _ := json.Marshal(v)
		out[p] = string(b)
	}
	walk(prefix, v)
}

func unionKeys[V any](a, b map[string]V) []string {
	seen := map[string]bool{}
	for k := range a {
		seen[k] = true
	}
	for k := range b {
		seen[k] = true
	}
	return sortedKeys(seen)
}

// short abbreviates an id or hash for people.
func short(s string) string {
	if len(s) > 8 {
		return s[:8]
	}
	return s
}
