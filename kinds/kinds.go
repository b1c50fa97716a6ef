package kinds

import "fmt"

// Kind is one row of the table.
type Kind struct {
	// Name is the block type and the first part of addresses: "training".
	Name string
	// Summary says what a resource of the kind is, for docs and listings.
	Summary string
	// Package is the module-relative path of the package that owns the
	// kind's schema: "kinds/training". Empty for a kind that no
	// bundled provider serves yet, and for a provider's own kind.
	Package string
	// Provider serves the kind when the resource sets no provider
	// argument and Placement does not decide.
	Provider string
	// Placement, when set, chooses the provider from the resource the
	// placement attribute refers to.
	Placement *Placement
	// LongRunning says that applying a change runs user code for minutes
	// to days: the provider streams progress and partial states, and an
	// interrupted apply re-attaches to the running work.
	LongRunning bool
	// Resumable says that a failed apply leaves what finished in place
	// and the next apply goes on from there: a pipeline's finished steps
	// stay cached and only the failed step and what reads from it run
	// again. The engine plans a failed resource of such a kind as an
	// update, not as a replacement.
	Resumable bool
	// Scope are reference roots that a resource of the kind binds itself
	// in its Expression attributes: a pipeline's steps refer to one
	// another as step.NAME. The engine draws no dependency for them and
	// leaves them to the provider.
	Scope []string
}

// Placement says which attribute places a resource on another, and so
// chooses its provider: a training's pool = cluster.dev.pool.cpu makes it
// run on the provider of cluster.dev.
type Placement struct {
	// Attribute is the attribute written in the resource: "pool".
	Attribute string
	// Kind is the kind of the resource the attribute refers to: "cluster".
	Kind string
}

// Table is a set of kinds by name. Its zero value is empty.
type Table struct {
	rows   []Kind // in declaration order
	byName map[string]int
}

// Builtin is mltf's own table. Adding a kind is one row here plus the
// package that owns its schema.
func Builtin() Table {
	pool := &Placement{Attribute: "pool", Kind: "cluster"}
	t, err := New(
		Kind{Name: "cluster", Summary: "where work runs: a local machine or a Kubernetes namespace, with pools", Package: "providers/local", Provider: "local"},
		Kind{Name: "dataset", Summary: "a data source with a fingerprint, a schema contract and checks", Package: "providers/data", Provider: "data"},
		Kind{Name: "experiment", Summary: "a named group of runs in the tracking store", Package: "providers/registry", Provider: "registry"},
		Kind{Name: "training", Summary: "one training run of user code on a pool", Package: "kinds/training", Provider: "local", Placement: pool, LongRunning: true},
		Kind{Name: "sweep", Summary: "a hyperparameter search over a training template", Package: "kinds/sweep", Provider: "local", Placement: pool, LongRunning: true},
		Kind{Name: "model", Summary: "a registered model: versions, aliases, gates, lineage", Package: "providers/registry", Provider: "registry"},
		Kind{Name: "pipeline", Summary: "a DAG of steps with a content-addressed cache", Package: "kinds/pipeline", Provider: "local", Placement: pool, LongRunning: true, Resumable: true, Scope: []string{"step"}},
		Kind{Name: "deployment", Summary: "a served model version behind an alias, rolled out by canary, blue-green or shadow with analysis and rollback", Package: "kinds/deployment", Provider: "local", Placement: pool, LongRunning: true},
	)
	if err != nil {
		panic(err) // the table above is wrong; TestBuiltin says how
	}
	return t
}

// New returns a table of rows, checking that each is well formed and
// that no name repeats.
func New(rows ...Kind) (Table, error) {
	return Table{}.With(rows...)
}

// With returns t plus rows: the kinds providers declare as their own.
// A name already in the table is an error.
func (t Table) With(rows ...Kind) (Table, error) {
	ret := Table{rows: append(append([]Kind(nil), t.rows...), rows...), byName: map[string]int{}}
	for i, k := range ret.rows {
		if err := k.check(); err != nil {
			return t, err
		}
		if _, ok := ret.byName[k.Name]; ok {
			return t, fmt.Errorf("kind %q is declared twice", k.Name)
		}
		ret.byName[k.Name] = i
	}
	for _, k := range ret.rows {
		for _, root := range k.Scope {
			if _, ok := ret.byName[root]; ok {
				return t, fmt.Errorf("kind %q binds %q in its scope, which is a kind's name", k.Name, root)
			}
		}
	}
	return ret, nil
}

func (k Kind) check() error {
	if !validName(k.Name) {
		return fmt.Errorf("kind name %q is not valid: a kind is named with lower-case letters, digits and underscores, starting with a letter", k.Name)
	}
	if reserved[k.Name] {
		return fmt.Errorf("kind name %q is reserved by the language", k.Name)
	}
	if k.Provider == "" {
		return fmt.Errorf("kind %q names no provider", k.Name)
	}
	for _, root := range k.Scope {
		if !validName(root) || reserved[root] {
			return fmt.Errorf("kind %q binds %q in its scope, which is not a name it may take", k.Name, root)
		}
	}
	if p := k.Placement; p != nil && (p.Attribute == "" || p.Kind == "") {
		return fmt.Errorf("kind %q has a placement without an attribute or a kind", k.Name)
	}
	return nil
}

// reserved are the names of the language's own blocks and reference
// roots, which no kind may take.
var reserved = map[string]bool{
	"mltf": true, "variable": true, "locals": true, "output": true, "provider": true,
	"var": true, "local": true, "count": true, "each": true, "path": true, "self": true,
}

func validName(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, r := range s {
		if !(r == '_' || (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9')) {
			return false
		}
	}
	return true
}

// WithRecorded returns t plus, when t lacks it, the kind name as state or
// a saved plan recorded it with its provider: a resource may outlive the
// provider requirement that declared its kind. A name that is not a valid
// kind leaves t as it is.
func (t Table) WithRecorded(name, provider string) Table {
	if t.Has(name) {
		return t
	}
	if ret, err := t.With(Kind{Name: name, Provider: provider}); err == nil {
		return ret
	}
	return t
}

// Lookup returns the kind called name.
func (t Table) Lookup(name string) (Kind, bool) {
	i, ok := t.byName[name]
	if !ok {
		return Kind{}, false
	}
	return t.rows[i], true
}

// Has reports whether name is a kind.
func (t Table) Has(name string) bool {
	_, ok := t.Lookup(name)
	return ok
}

// Rows returns the kinds in declaration order.
func (t Table) Rows() []Kind { return append([]Kind(nil), t.rows...) }

// InScope reports whether root is a name some kind binds in its scope
// (Kind.Scope).
func (t Table) InScope(root string) bool {
	for _, k := range t.rows {
		for _, r := range k.Scope {
			if r == root {
				return true
			}
		}
	}
	return false
}

// Names returns the kinds' names in declaration order.
func (t Table) Names() []string {
	names := make([]string, len(t.rows))
	for i, k := range t.rows {
		names[i] = k.Name
	}
	return names
}
