package plan

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
)

// nodeKind tells which of a node's fields is set.
type nodeKind int

const (
	localNode nodeKind = iota + 1
	resourceNode
	outputNode
)

// node is one vertex of the dependency graph: a local value, a resource
// (all its instances) or an output.
type node struct {
	kind nodeKind
	key  string // "local.x", "training.mlp", "output.acc"

	local  *lang.Local
	res    *lang.Resource
	output *lang.Output

	// For resources: the provider that owns the kind, its schema, and what
	// the schema implies, shared by the resources of the kind.
	provider string
	schema   *schema.Block
	spec     hcldec.Spec
	ty       cty.Type
	version  int64 // the kind's schema version, recorded with every instance

	deps []*node
	// refs are the references the node makes, for building its context.
	refs []hcl.Traversal

	// For resources, worked out once for all instances: the kind's
	// sensitive attributes and the attributes written as plain references.
	sensitive  []cty.Path
	references map[string]string
}

// graph is the dependency graph of a configuration.
type graph struct {
	nodes []*node // sorted by key
	byKey map[string]*node
}

// buildGraph builds the graph of cfg: one node per local, resource and
// output, with an edge for each reference and depends_on entry. It starts
// the providers it needs, to learn the kinds' schemas.
func buildGraph(ctx context.Context, cfg *lang.Config, provs *Providers) (*graph, hcl.Diagnostics) {
	g := &graph{byKey: map[string]*node{}}
	var diags hcl.Diagnostics

	for name, l := range cfg.Locals {
		g.add(&node{kind: localNode, key: "local." + name, local: l, refs: l.Expr.Variables()})
	}
	for name, o := range cfg.Outputs {
		refs := o.Expr.Variables()
		refs = append(refs, o.DependsOn...)
		g.add(&node{kind: outputNode, key: "output." + name, output: o, refs: refs})
	}
	// The schema's conversions, once per kind rather than per resource.
	type kindFacts struct {
		spec      hcldec.Spec
		ty        cty.Type
		sensitive []cty.Path
	}
	facts := map[*schema.Block]*kindFacts{}
	// The resources of each provider that could not be started: its
	// error is said once, not once a resource.
	unstarted := map[string][]*lang.Resource{}
	for key, r := range cfg.Resources {
		n := &node{kind: resourceNode, key: key, res: r}
		n.provider = resourceProvider(cfg, r)
		_, sch, ds := provs.Schema(ctx, n.provider)
		if ds.HasErrors() {
			unstarted[n.provider] = append(unstarted[n.provider], r)
			continue
		}
		k, ok := sch.Kinds[r.Kind]
		if !ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Kind not supported by provider",
				Detail:   fmt.Sprintf("The provider %q has no kind %q; it offers %s.", n.provider, r.Kind, strings.Join(kindNames(sch), ", ")),
				Subject:  r.DeclRange.Ptr(),
			})
			continue
		}
		kf := facts[k.Block]
		if kf == nil {
			kf = &kindFacts{spec: k.Block.DecoderSpec(), ty: k.Block.ImpliedType(), sensitive: k.Block.SensitivePaths()}
			facts[k.Block] = kf
		}
		n.schema, n.spec, n.ty, n.sensitive, n.version = k.Block, kf.spec, kf.ty, kf.sensitive, k.Version
		g.add(n)
	}
	for _, name := range slices.Sorted(maps.Keys(unstarted)) {
		iface, _, ds := provs.Schema(ctx, name)
		diags = append(diags, unstartedDiags(cfg, name, unstarted[name], iface == nil, ds, provs.offered)...)
	}
	resourceRefs(cfg, g.nodes)
	sort.Slice(g.nodes, func(i, j int) bool { return g.nodes[i].key < g.nodes[j].key })

	for _, n := range g.nodes {
		seen := map[*node]bool{}
		for _, t := range n.refs {
			dep, ds := g.resolve(cfg, n, t)
			diags = append(diags, ds...)
			if dep != nil && dep != n && !seen[dep] {
				seen[dep] = true
				n.deps = append(n.deps, dep)
			}
			if dep == n {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Self-referential block",
					Detail:   fmt.Sprintf("%s refers to itself; a block cannot use its own values.", n.key),
					Subject:  t.SourceRange().Ptr(),
				})
			}
		}
	}
	diags = append(diags, g.checkReferencedNames(cfg)...)
	if !diags.HasErrors() {
		diags = append(diags, g.checkCycles()...)
	}
	return g, diags
}

// resourceRefs finds what each resource node refers to, the nodes shared
// out among the CPUs: each is read alone, and there are thousands.
func resourceRefs(cfg *lang.Config, nodes []*node) {
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(nodes); i += workers {
				if n := nodes[i]; n.kind == resourceNode {
					r := n.res
					n.references = plainReferences(cfg, r)
					n.refs = hcldec.Variables(r.Config, n.spec)
					if r.Count != nil {
						n.refs = append(n.refs, r.Count.Variables()...)
					}
					if r.ForEach != nil {
						n.refs = append(n.refs, r.ForEach.Variables()...)
					}
					n.refs = append(n.refs, r.DependsOn...)
				}
			}
		})
	}
	wg.Wait()
}

func (g *graph) add(n *node) {
	g.nodes = append(g.nodes, n)
	g.byKey[n.key] = n
}

// resolve finds the node a traversal refers to and checks that it exists.
func (g *graph) resolve(cfg *lang.Config, from *node, t hcl.Traversal) (*node, hcl.Diagnostics) {
	ref, ok := cfg.ParseRef(t)
	rng := t.SourceRange().Ptr()
	if !ok && from.res != nil && inScope(cfg, from.res.Kind, t.RootName()) {
		return nil, nil // the provider binds it (a pipeline's step.NAME)
	}
	if !ok {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Reference to unknown name",
			Detail: fmt.Sprintf("There is no %q to refer to.%s References look like var.NAME, local.NAME, or KIND.NAME (kinds: %s).", t.RootName(),
				lang.DidYouMean(t.RootName(), "", append([]string{"var", "local"}, cfg.Kinds.Names()...)), strings.Join(cfg.Kinds.Names(), ", ")),
			Subject: rng,
		}}
	}
	switch ref.Root {
	case "var":
		if _, ok := cfg.Variables[ref.Name]; !ok {
			return nil, hcl.Diagnostics{undeclared("variable", "var."+ref.Name, rng, lang.DidYouMean(ref.Name, "var.", keys(cfg.Variables)))}
		}
		return nil, nil
	case "local":
		n := g.byKey["local."+ref.Name]
		if n == nil {
			return nil, hcl.Diagnostics{undeclared("local value", "local."+ref.Name, rng, lang.DidYouMean(ref.Name, "local.", keys(cfg.Locals)))}
		}
		return n, nil
	case "count":
		if from.res == nil || from.res.Count == nil {
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: `Reference to "count" in a block without count`, Detail: "count.index is available only in a resource that sets count.", Subject: rng}}
		}
		return nil, nil
	case "each":
		if from.res == nil || from.res.ForEach == nil {
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: `Reference to "each" in a block without for_each`, Detail: "each.key and each.value are available only in a resource that sets for_each.", Subject: rng}}
		}
		return nil, nil
	case "path", "self":
		return nil, nil
	}
	n := g.byKey[ref.Resource.String()]
	if n == nil {
		if _, ok := cfg.Resources[ref.Resource.String()]; ok {
			return nil, nil // its own diagnostics were reported
		}
		var names []string
		for _, r := range cfg.Resources {
			if r.Kind == ref.Resource.Kind {
				names = append(names, r.Name)
			}
		}
		sort.Strings(names)
		return nil, hcl.Diagnostics{undeclared(ref.Resource.Kind, ref.Resource.String(), rng, lang.DidYouMean(ref.Resource.Name, ref.Resource.Kind+".", names))}
	}
	return n, nil
}

// inScope says whether the kind binds root itself (kinds.Kind.Scope).
func inScope(cfg *lang.Config, kind, root string) bool {
	k, _ := cfg.Kinds.Lookup(kind)
	for _, r := range k.Scope {
		if r == root {
			return true
		}
	}
	return false
}

// undeclared reports a reference to name, which is not declared;
// suggestion is lang.DidYouMean's.
func undeclared(what, name string, rng *hcl.Range, suggestion string) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Reference to undeclared " + what,
		Detail:   fmt.Sprintf("%s is not declared in this configuration.%s Declare it, or fix the name.", name, suggestion),
		Subject:  rng,
	}
}

// keys are the sorted names of m.
func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// checkCycles reports each dependency cycle with its path.
func (g *graph) checkCycles() hcl.Diagnostics {
	const (
		white = iota
		grey
		black
	)
	color := map[*node]int{}
	var stack []*node
	var diags hcl.Diagnostics
	var visit func(n *node)
	visit = func(n *node) {
		color[n] = grey
		stack = append(stack, n)
		for _, d := range n.deps {
			switch color[d] {
			case white:
				visit(d)
			case grey:
				var path []string
				start := 0
				for i, s := range stack {
					if s == d {
						start = i
					}
				}
				for _, s := range stack[start:] {
					path = append(path, s.key)
				}
				path = append(path, d.key)
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Dependency cycle",
					Detail:   fmt.Sprintf("These blocks depend on each other in a cycle: %s. Break the cycle by removing one of the references.", strings.Join(path, " -> ")),
					Subject:  declRange(n).Ptr(),
				})
			}
		}
		stack = stack[:len(stack)-1]
		color[n] = black
	}
	for _, n := range g.nodes {
		if color[n] == white {
			visit(n)
		}
	}
	return diags
}

func declRange(n *node) hcl.Range {
	switch n.kind {
	case localNode:
		return n.local.DeclRange
	case outputNode:
		return n.output.DeclRange
	}
	return n.res.DeclRange
}

// resourceProvider names the provider that serves r: the provider
// argument, else for a kind with a placement (a training's pool) the
// provider of the resource the placement refers to, else the kind's
// provider in the table.
func resourceProvider(cfg *lang.Config, r *lang.Resource) string {
	if r.Provider != "" {
		return r.Provider
	}
	k, _ := cfg.Kinds.Lookup(r.Kind)
	if p := k.Placement; p != nil {
		content, _, _ := r.Config.PartialContent(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: p.Attribute}}})
		if a, ok := content.Attributes[p.Attribute]; ok {
			for _, t := range a.Expr.Variables() {
				ref, ok := cfg.ParseRef(t)
				if ok && ref.Resource.Kind == p.Kind {
					if on, ok := cfg.Resources[ref.Resource.String()]; ok {
						return resourceProvider(cfg, on)
					}
				}
			}
		}
	}
	return k.Provider
}

func kindNames(s providers.GetSchemaResponse) []string {
	var names []string
	for k := range s.Kinds {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// withSubject returns copies of ds, those without a subject placed at
// rng: ds may be a provider's cached diagnostics, which every resource of
// the provider reports at its own place, some at the same time.
func withSubject(ds hcl.Diagnostics, rng hcl.Range) hcl.Diagnostics {
	out := make(hcl.Diagnostics, len(ds))
	for i, d := range ds {
		c := *d
		if c.Subject == nil {
			c.Subject = rng.Ptr()
		}
		out[i] = &c
	}
	return out
}

// startDiags are the diagnostics of the provider that serves r and
// could not be started (notStarted) or asked for its schema, as r sees
// them: at its provider argument when that names the provider, else at the
// block. A provider argument that misspells a provider mltf knows (one of
// the kinds', the configuration's, or offered) says which.
func startDiags(cfg *lang.Config, r *lang.Resource, name string, notStarted bool, ds hcl.Diagnostics, offered []string) hcl.Diagnostics {
	rng, hint := r.DeclRange, ""
	if r.Provider == name {
		rng = r.ProviderRange
		if notStarted {
			hint = lang.DidYouMean(name, "", knownProviders(cfg, offered))
		}
	}
	out := withSubject(ds, rng)
	for _, d := range out {
		if d.Severity == hcl.DiagError && hint != "" {
			d.Detail = strings.TrimSuffix(d.Detail, ".") + "." + hint
		}
	}
	return out
}

// unstartedDiags are the diagnostics of the provider name, which could not
// be started or asked for its schema, for the resources rs that it serves:
// said once, as the first of them in the files sees them (see startDiags),
// naming the others.
func unstartedDiags(cfg *lang.Config, name string, rs []*lang.Resource, notStarted bool, ds hcl.Diagnostics, offered []string) hcl.Diagnostics {
	slices.SortFunc(rs, func(a, b *lang.Resource) int {
		return cmp.Or(strings.Compare(a.DeclRange.Filename, b.DeclRange.Filename), a.DeclRange.Start.Byte-b.DeclRange.Start.Byte)
	})
	out := startDiags(cfg, rs[0], name, notStarted, ds, offered)
	if len(rs) == 1 {
		return out
	}
	var others []string
	for _, r := range rs[1:] {
		if len(others) == 5 {
			others = append(others, fmt.Sprintf("%d more", len(rs)-6))
			break
		}
		others = append(others, r.Addr().String())
	}
	also := fmt.Sprintf("\n\nIt also stops the %d other resources of provider %q: %s.", len(rs)-1, name, strings.Join(others, ", "))
	if len(rs) == 2 {
		also = fmt.Sprintf("\n\nIt also stops the other resource of provider %q: %s.", name, others[0])
	}
	for _, d := range out {
		if d.Severity == hcl.DiagError {
			d.Detail += also
		}
	}
	return out
}

// knownProviders are the provider names a configuration may mean: those
// of its kinds, its provider blocks and required_providers, and offered.
func knownProviders(cfg *lang.Config, offered []string) []string {
	names := append([]string(nil), offered...)
	for _, k := range cfg.Kinds.Rows() {
		names = append(names, k.Provider)
	}
	for name := range cfg.Providers {
		names = append(names, name)
	}
	if cfg.Settings != nil {
		for name := range cfg.Settings.RequiredProviders {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return slices.Compact(names)
}

// ResourceProvider is the name of the provider that serves r: its
// provider argument, else where its kind's placement puts it, else its
// kind's provider.
func ResourceProvider(cfg *lang.Config, r *lang.Resource) string { return resourceProvider(cfg, r) }
