package plan

import (
	"fmt"
	"os"
	"sort"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/lang/funcs"
)

// evaluator holds the values known so far in a walk and builds evaluation
// contexts holding only what an expression refers to, so that evaluating N
// resources costs O(N) however many resources exist.
type evaluator struct {
	cfg   *lang.Config
	vars  cty.Value
	funcs map[string]function.Function
	path  cty.Value

	mu        sync.RWMutex
	locals    map[string]cty.Value
	resources map[lang.ResourceAddr]cty.Value
}

func newEvaluator(cfg *lang.Config, vars map[string]cty.Value, planning bool) *evaluator {
	vals := map[string]cty.Value{}
	for name, v := range vars {
		if decl, ok := cfg.Variables[name]; ok && decl.Sensitive {
			v = v.Mark(sensitiveMark)
		}
		vals[name] = v
	}
	cwd, _ := os.Getwd()
	return &evaluator{
		cfg:   cfg,
		vars:  cty.ObjectVal(vals),
		funcs: funcs.Functions(cfg.Dir, planning),
		path: cty.ObjectVal(map[string]cty.Value{
			"module": cty.StringVal("."),
			"root":   cty.StringVal("."),
			"cwd":    cty.StringVal(cwd),
		}),
		locals:    map[string]cty.Value{},
		resources: map[lang.ResourceAddr]cty.Value{},
	}
}

func (e *evaluator) setLocal(name string, v cty.Value) {
	e.mu.Lock()
	e.locals[name] = v
	e.mu.Unlock()
}

// evalLocal evaluates a local value and records it.
func (e *evaluator) evalLocal(n *node) hcl.Diagnostics {
	v, diags := n.local.Expr.Value(e.context(n.refs, repetition{}))
	e.setLocal(n.local.Name, v)
	return diags
}

func (e *evaluator) setResource(addr lang.ResourceAddr, v cty.Value) {
	e.mu.Lock()
	e.resources[addr] = v
	e.mu.Unlock()
}

func (e *evaluator) resource(addr lang.ResourceAddr) (cty.Value, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	v, ok := e.resources[addr]
	return v, ok
}

// repetition is what count and each mean inside one instance.
type repetition struct {
	countIndex cty.Value
	eachKey    cty.Value
	eachValue  cty.Value
}

// providerContext is the context of provider "NAME" {} blocks: variables
// and path.
func (e *evaluator) providerContext() *hcl.EvalContext { return e.context(nil, repetition{}) }

// context builds the evaluation context for expressions making refs.
func (e *evaluator) context(refs []hcl.Traversal, rep repetition) *hcl.EvalContext {
	vars := map[string]cty.Value{"var": e.vars, "path": e.path}
	locals := map[string]cty.Value{}
	kinds := map[string]map[string]cty.Value{}
	e.mu.RLock()
	for _, t := range refs {
		ref, ok := e.cfg.ParseRef(t)
		if !ok {
			if root := t.RootName(); e.cfg.Kinds.InScope(root) {
				// Only Expression attributes use a kind's own roots,
				// which its provider binds (a pipeline's step.NAME).
				vars[root] = cty.DynamicVal
			}
			continue
		}
		switch {
		case ref.Root == "self":
			// Only Expression attributes use self; the provider evaluates
			// them later with the real value.
			vars["self"] = cty.DynamicVal
		case ref.Root == "local":
			if v, ok := e.locals[ref.Name]; ok {
				locals[ref.Name] = v
			}
		case ref.Resource.Kind != "":
			v, ok := e.resources[ref.Resource]
			if !ok {
				v = cty.DynamicVal
			}
			if kinds[ref.Root] == nil {
				kinds[ref.Root] = map[string]cty.Value{}
			}
			kinds[ref.Root][ref.Name] = v
		}
	}
	e.mu.RUnlock()
	vars["local"] = cty.EmptyObjectVal
	if len(locals) > 0 {
		vars["local"] = cty.ObjectVal(locals)
	}
	for k, m := range kinds {
		vars[k] = cty.ObjectVal(m)
	}
	if rep.countIndex != cty.NilVal {
		vars["count"] = cty.ObjectVal(map[string]cty.Value{"index": rep.countIndex})
	}
	if rep.eachKey != cty.NilVal {
		vars["each"] = cty.ObjectVal(map[string]cty.Value{"key": rep.eachKey, "value": rep.eachValue})
	}
	return &hcl.EvalContext{Variables: vars, Functions: e.funcs}
}

// instanceKeys expands count or for_each of r into instance keys and the
// repetition data of each.
func (e *evaluator) instanceKeys(r *lang.Resource) ([]lang.InstanceKey, map[lang.InstanceKey]repetition, hcl.Diagnostics) {
	switch {
	case r.Count != nil:
		v, diags := r.Count.Value(e.context(r.Count.Variables(), repetition{}))
		if diags.HasErrors() {
			return nil, nil, diags
		}
		n, known, diags := countArg(v, r.Count.Range())
		if diags.HasErrors() {
			return nil, nil, diags
		}
		if !known {
			return nil, nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid count argument", Detail: "The count depends on values known only after apply. Use values known at plan time (variables, locals), or apply the resources it depends on first with -target.", Subject: r.Count.Range().Ptr()}}
		}
		keys := make([]lang.InstanceKey, n)
		reps := make(map[lang.InstanceKey]repetition, n)
		for i := range keys {
			keys[i] = lang.IntKey(i)
			reps[keys[i]] = repetition{countIndex: cty.NumberIntVal(int64(i))}
		}
		return keys, reps, nil
	case r.ForEach != nil:
		v, diags := r.ForEach.Value(e.context(r.ForEach.Variables(), repetition{}))
		if diags.HasErrors() {
			return nil, nil, diags
		}
		known, diags := forEachArg(v, r.ForEach.Range())
		if diags.HasErrors() {
			return nil, nil, diags
		}
		if !known {
			return nil, nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid for_each argument", Detail: "The for_each value depends on values known only after apply. Use values known at plan time, or apply its dependencies first with -target.", Subject: r.ForEach.Range().Ptr()}}
		}
		reps := map[lang.InstanceKey]repetition{}
		var keys []lang.InstanceKey
		if ty := v.Type(); ty.IsMapType() || ty.IsObjectType() {
			for k, ev := range v.AsValueMap() {
				key := lang.StringKey(k)
				keys = append(keys, key)
				reps[key] = repetition{eachKey: cty.StringVal(k), eachValue: ev}
			}
		} else {
			for _, ev := range v.AsValueSlice() {
				key := lang.StringKey(ev.AsString())
				keys = append(keys, key)
				reps[key] = repetition{eachKey: ev, eachValue: ev}
			}
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
		return keys, reps, nil
	}
	return singleKey, singleRep, nil
}

// countArg checks the value of a count argument as far as it is known
// (mltf validate has no variable values): a value that is not a whole
// number, zero or more, is an error. known is false when the number is
// known only later; n is the count when it is known.
func countArg(v cty.Value, rng hcl.Range) (n int64, known bool, diags hcl.Diagnostics) {
	v, _ = v.Unmark()
	bad := func(detail string) (int64, bool, hcl.Diagnostics) {
		return 0, false, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid count argument", Detail: detail, Subject: rng.Ptr()}}
	}
	if v.Type() != cty.Number && v.Type() != cty.DynamicPseudoType {
		return bad("count must be a whole number.")
	}
	if !v.IsKnown() {
		return 0, false, nil
	}
	if v.IsNull() || v.Type() != cty.Number {
		return bad("count must be a whole number.")
	}
	n, acc := v.AsBigFloat().Int64()
	if acc != 0 || n < 0 {
		return bad(fmt.Sprintf("count must be a whole number, zero or more; got %s.", v.AsBigFloat().Text('f', -1)))
	}
	return n, true, nil
}

// forEachArg checks the value of a for_each argument as far as it is
// known (mltf validate has no variable values): a sensitive value, null, a
// set holding null, or a value other than a map, an object or a set of
// strings is an error. known is false when some of it is known only
// later; when it is true, v is a map, an object or a set of strings.
func forEachArg(v cty.Value, rng hcl.Range) (known bool, diags hcl.Diagnostics) {
	bad := func(detail string) (bool, hcl.Diagnostics) {
		return false, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid for_each argument", Detail: detail, Subject: rng.Ptr()}}
	}
	if v.IsMarked() {
		return bad("for_each cannot use sensitive values: its keys appear in addresses and plans.")
	}
	ty := v.Type()
	switch {
	case ty == cty.DynamicPseudoType:
	case ty.IsMapType() || ty.IsObjectType():
	case ty.IsSetType() && (ty.ElementType() == cty.String || ty.ElementType() == cty.DynamicPseudoType):
	default:
		return bad(fmt.Sprintf("for_each must be a map, an object or a set of strings; got %s. To use a list, convert it with toset().", ty.FriendlyName()))
	}
	if !v.IsWhollyKnown() {
		return false, nil
	}
	if v.IsNull() {
		return bad("for_each must be a map, an object or a set of strings, not null.")
	}
	if ty.IsSetType() {
		if ty.ElementType() != cty.String {
			return bad(fmt.Sprintf("for_each must be a map, an object or a set of strings; got %s. To use a list, convert it with toset().", ty.FriendlyName()))
		}
		for _, ev := range v.AsValueSlice() {
			if ev.IsNull() {
				return bad("A for_each set must not hold null.")
			}
		}
	}
	return true, nil
}

// singleKey and singleRep expand a resource without count or for_each;
// callers only read them.
var (
	singleKey = []lang.InstanceKey{lang.NoKey}
	singleRep = map[lang.InstanceKey]repetition{lang.NoKey: {}}
)

// aggregate is the value a reference to a whole resource sees: the single
// instance, a tuple by count index, or an object by for_each key.
func aggregate(r *lang.Resource, keys []lang.InstanceKey, vals map[lang.InstanceKey]cty.Value) cty.Value {
	switch {
	case r.Count != nil:
		elems := make([]cty.Value, len(keys))
		for i, k := range keys {
			elems[i] = vals[k]
		}
		if len(elems) == 0 {
			return cty.EmptyTupleVal
		}
		return cty.TupleVal(elems)
	case r.ForEach != nil:
		m := make(map[string]cty.Value, len(keys))
		for _, k := range keys {
			m[k.Value().AsString()] = vals[k]
		}
		return cty.ObjectVal(m)
	}
	return vals[lang.NoKey]
}
