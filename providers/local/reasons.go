package local

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// changeReasons says, in the user's words, which inputs differ between
// the prior run and the planned one.
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
		out = append(out, fmt.Sprintf("command %s -> %s", quoteList(old.Command), quoteList(new.Command)))
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

func quoteList(l []string) string {
	return "[" + strings.Join(l, " ") + "]"
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
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			flattenValue(prefix+"."+k, e, out)
		}
	default:
		b, _ := json.Marshal(x)
		out[prefix] = string(b)
	}
}

func unionKeys[V any](a, b map[string]V) []string {
	seen := map[string]bool{}
	var ks []string
	for k := range a {
		seen[k] = true
		ks = append(ks, k)
	}
	for k := range b {
		if !seen[k] {
			ks = append(ks, k)
		}
	}
	sort.Strings(ks)
	return ks
}
