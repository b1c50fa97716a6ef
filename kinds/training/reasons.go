package training

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// ChangeReasons says, in the user's words, which inputs differ between
// the prior run and the planned one; oldCode may be nil when the prior
// manifest is not known.
func ChangeReasons(old, new *Inputs, oldCode, newCode Manifest) []string {
	var out []string
	if old.Code != new.Code {
		if oldCode == nil {
			out = append(out, "code changed")
		} else {
			n := oldCode.Changed(newCode)
			out = append(out, fmt.Sprintf("code changed (%d %s)", n, Plural(n, "file", "files")))
		}
	}
	if !reflect.DeepEqual(old.Command, new.Command) {
		out = append(out, fmt.Sprintf("command [%s] -> [%s]", strings.Join(old.Command, " "), strings.Join(new.Command, " ")))
	}
	out = append(out, mapReasons("env", old.Env, new.Env)...)
	out = append(out, mapReasons("secret_env", old.SecretEnv, new.SecretEnv)...)
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
			out = append(out, fmt.Sprintf("data.%s fingerprint %s -> %s", name, Short(o), Short(n)))
		}
	}
	if old.Image != new.Image {
		out = append(out, fmt.Sprintf("image %q -> %q", old.Image, new.Image))
	}
	if old.Nodes != new.Nodes || old.ProcsPerNode != new.ProcsPerNode || old.Backend != new.Backend {
		out = append(out, fmt.Sprintf("distributed %s -> %s", Shape(old.Nodes, old.ProcsPerNode, old.Backend), Shape(new.Nodes, new.ProcsPerNode, new.Backend)))
	}
	return out
}

// Shape is the distributed shape for people: "2 nodes × 4 procs (nccl)".
func Shape(nodes, procs int, backend string) string {
	return fmt.Sprintf("%d %s × %d %s (%s)", nodes, Plural(nodes, "node", "nodes"), procs, Plural(procs, "proc", "procs"), backend)
}

// Plural picks one or many for n.
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Short abbreviates an id or hash for people.
func Short(s string) string {
	if len(s) > 8 {
		return s[:8]
	}
	return s
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

// jsonReasons compares two JSON documents leaf by leaf: "params.lr 0.05 -> 0.1".
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
	flattenValue(prefix, v, out)
}

func flattenValue(prefix string, v any, out map[string]string) {
	if m, ok := v.(map[string]any); ok {
		for k, e := range m {
			flattenValue(prefix+"."+k, e, out)
		}
		return
	}
	b, _ := json.Marshal(v)
	out[prefix] = string(b)
}

func unionKeys[V any](a, b map[string]V) []string {
	seen := map[string]bool{}
	for k := range a {
		seen[k] = true
	}
	for k := range b {
		seen[k] = true
	}
	return SortedKeys(seen)
}
