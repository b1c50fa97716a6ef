package lang

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/kinds"
)

// ResourceAddr names a resource: kind.name.
type ResourceAddr struct {
	Kind string
	Name string
}

func (a ResourceAddr) String() string { return a.Kind + "." + a.Name }

// InstanceKey is the key of one instance of a resource: none, a count
// index, or a for_each key. It prints in address form: "", "0", `"a"`.
type InstanceKey string

// NoKey is the key of a resource without count or for_each.
const NoKey InstanceKey = ""

// IntKey is the key of the count instance i.
func IntKey(i int) InstanceKey { return InstanceKey(strconv.Itoa(i)) }

// StringKey is the key of the for_each instance k.
func StringKey(k string) InstanceKey { return InstanceKey(strconv.Quote(k)) }

// Value is the key as count.index or each.key sees it.
func (k InstanceKey) Value() cty.Value {
	if k == NoKey {
		return cty.NilVal
	}
	if s, err := strconv.Unquote(string(k)); err == nil && strings.HasPrefix(string(k), `"`) {
		return cty.StringVal(s)
	}
	n, _ := strconv.Atoi(string(k))
	return cty.NumberIntVal(int64(n))
}

// InstanceAddr names one instance: kind.name, kind.name[0], kind.name["a"].
type InstanceAddr struct {
	Resource ResourceAddr
	Key      InstanceKey
}

func (a InstanceAddr) String() string {
	if a.Key == NoKey {
		return a.Resource.String()
	}
	return a.Resource.String() + "[" + string(a.Key) + "]"
}

// ParseInstanceAddr parses an address given on the command line, as for
// -target, -replace or mltf state mv. A resource address with no key is
// returned with NoKey and whole=true when it may mean all instances. The
// kind must be one of table.
func ParseInstanceAddr(s string, table kinds.Table) (InstanceAddr, hcl.Diagnostics) {
	t, diags := hclsyntax.ParseTraversalAbs([]byte(s), "<address>", hcl.InitialPos)
	if diags.HasErrors() {
		return InstanceAddr{}, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid address", Detail: fmt.Sprintf("%q is not an address; addresses look like training.mlp, experiment.e[0] or experiment.e[\"a\"].", s)}}
	}
	bad := hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid address", Detail: fmt.Sprintf("%q is not a resource address; addresses look like training.mlp, experiment.e[0] or experiment.e[\"a\"].", s)}}
	if len(t) < 2 || len(t) > 3 || !table.Has(t.RootName()) {
		return InstanceAddr{}, bad
	}
	attr, ok := t[1].(hcl.TraverseAttr)
	if !ok {
		return InstanceAddr{}, bad
	}
	ret := InstanceAddr{Resource: ResourceAddr{Kind: t.RootName(), Name: attr.Name}}
	if len(t) == 3 {
		idx, ok := t[2].(hcl.TraverseIndex)
		if !ok {
			return InstanceAddr{}, bad
		}
		switch {
		case idx.Key.Type() == cty.String:
			ret.Key = StringKey(idx.Key.AsString())
		case idx.Key.Type() == cty.Number:
			bf := idx.Key.AsBigFloat()
			i, acc := bf.Int64()
			if acc != 0 || i < 0 {
				return InstanceAddr{}, bad
			}
			ret.Key = IntKey(int(i))
		default:
			return InstanceAddr{}, bad
		}
	}
	return ret, nil
}

// Ref is what a traversal refers to: a variable, a local, a resource, or
// one of count, each, path, self.
type Ref struct {
	Root     string       // "var", "local", "count", "each", "path", "self", or a kind
	Name     string       // variable, local or resource name; attribute for count/each/path
	Resource ResourceAddr // set when Root is a kind
}

// ParseRef interprets a traversal as a reference in c: its root is one of
// the language's names or one of c's kinds.
func (c *Config) ParseRef(t hcl.Traversal) (Ref, bool) {
	root := t.RootName()
	if len(t) < 2 {
		return Ref{Root: root}, root == "self"
	}
	attr, ok := t[1].(hcl.TraverseAttr)
	if !ok {
		return Ref{}, false
	}
	ref := Ref{Root: root, Name: attr.Name}
	switch {
	case root == "var" || root == "local" || root == "count" || root == "each" || root == "path" || root == "self":
	case c.Kinds.Has(root):
		ref.Resource = ResourceAddr{Kind: root, Name: attr.Name}
	default:
		return Ref{}, false
	}
	return ref, true
}

func traversalString(t hcl.Traversal) string {
	var b strings.Builder
	for i, s := range t {
		switch s := s.(type) {
		case hcl.TraverseRoot:
			b.WriteString(s.Name)
		case hcl.TraverseAttr:
			b.WriteString("." + s.Name)
		case hcl.TraverseIndex:
			if s.Key.Type() == cty.String {
				fmt.Fprintf(&b, "[%q]", s.Key.AsString())
			} else if s.Key.Type() == cty.Number {
				b.WriteString("[" + s.Key.AsBigFloat().Text('f', -1) + "]")
			} else {
				b.WriteString("[?]")
			}
		default:
			if i == 0 {
				b.WriteString("?")
			}
		}
	}
	return b.String()
}

// TraversalString renders a traversal as it is written.
func TraversalString(t hcl.Traversal) string { return traversalString(t) }
