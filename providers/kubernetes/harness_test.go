package kubernetes

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/mltf/mltf/providers"
)

// The tests that need a cluster run against the control plane of
// scripts/testcluster (scripts/test-kubernetes.sh starts it and sets
// MLTF_TEST_KUBERNETES=1 and KUBECONFIG).
func liveCluster(t testing.TB) *rest.Config {
	t.Helper()
	if os.Getenv("MLTF_TEST_KUBERNETES") != "1" {
		t.Skip("needs a Kubernetes control plane: run scripts/test-kubernetes.sh (sets MLTF_TEST_KUBERNETES=1 and KUBECONFIG)")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", os.Getenv("KUBECONFIG"))
	if err != nil {
		t.Fatalf("KUBECONFIG: %v", err)
	}
	return cfg
}

// requestCounter counts the API requests of a provider: method and
// whether it is a watch or a log stream.
type requestCounter struct {
	total, watches, logs, mutations atomic.Int64
}

func (c *requestCounter) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		c.total.Add(1)
		switch {
		case r.URL.Query().Get("watch") == "true" || r.URL.Query().Get("watch") == "1":
			c.watches.Add(1)
		case filepath.Base(r.URL.Path) == "log":
			c.logs.Add(1)
		case r.Method != http.MethodGet:
			c.mutations.Add(1)
		}
		return rt.RoundTrip(r)
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type harness struct {
	t       *testing.T
	cfg     *rest.Config
	p       *Provider
	counter *requestCounter
	kube    kubernetes.Interface
	ns      string
	workDir string
	// mltfImage is the provider block's mltf_image ("": none).
	mltfImage string
}

func newHarness(t *testing.T, ns string) *harness {
	cfg := liveCluster(t)
	h := &harness{t: t, cfg: cfg, ns: ns, workDir: t.TempDir(), counter: &requestCounter{}}
	counted := rest.CopyConfig(cfg)
	counted.Wrap(h.counter.wrap)
	h.kube = kubernetes.NewForConfigOrDie(cfg)
	if err := os.CopyFS(filepath.Join(h.workDir, "code"), os.DirFS("testdata/code")); err != nil {
		t.Fatal(err)
	}
	h.p = h.provider(counted)
	return h
}

// provider returns a configured provider, as a new mltf process would be.
func (h *harness) provider(cfg *rest.Config) *Provider {
	p := NewWithOptions(Options{RESTConfig: cfg})
	image := cty.NullVal(cty.String)
	if h.mltfImage != "" {
		image = cty.StringVal(h.mltfImage)
	}
	resp := p.Configure(context.Background(), providers.ConfigureRequest{
		Config: cty.ObjectVal(map[string]cty.Value{"namespace": cty.StringVal(h.ns), "kubeconfig": cty.NullVal(cty.String),
			"context": cty.NullVal(cty.String), "mltf_image": image}),
		Settings: providers.Settings{WorkDir: h.workDir, Workspace: "default",
			TrackingURL: "sqlite://" + filepath.Join(h.workDir, "tracking.db"), ArtifactsURL: "file://" + filepath.Join(h.workDir, "artifacts")},
	})
	if resp.Diagnostics.HasErrors() {
		h.t.Fatalf("configure: %v", resp.Diagnostics)
	}
	h.t.Cleanup(func() { p.Close() })
	return p
}

// events collects an apply's events.
type events struct {
	mu  sync.Mutex
	all []providers.Event
}

func (e *events) add(ev providers.Event) {
	e.mu.Lock()
	e.all = append(e.all, ev)
	e.mu.Unlock()
}

func (e *events) logs() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, ev := range e.all {
		if ev.Type == providers.EventLog {
			out = append(out, ev.Log.Source+": "+ev.Log.Line)
		}
	}
	return out
}

func (e *events) partial() (cty.Value, []byte, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := len(e.all) - 1; i >= 0; i-- {
		if e.all[i].Type == providers.EventPartial {
			return e.all[i].Partial, e.all[i].PartialPrivate, true
		}
	}
	return cty.NilVal, nil, false
}

// change plans and applies one change of a resource.
type change struct {
	kind, address string
	prior         cty.Value
	priorPriv     []byte
	config        cty.Value
}

// conform completes a configuration built by hand to the kind's implied
// type, as the engine's decoding does: computed attributes and absent
// single blocks are null, absent repeated blocks empty.
func conform(p *Provider, kind string, v cty.Value) cty.Value {
	b := p.GetSchema(context.Background()).Kinds[kind].Block
	if v.IsNull() || !v.Type().IsObjectType() {
		return b.Normalize(v)
	}
	vals := v.AsValueMap()
	ty := b.ImpliedType()
	for name := range b.Blocks {
		if _, ok := vals[name]; ok {
			continue
		}
		switch at := ty.AttributeType(name); {
		case at.IsListType():
			vals[name] = cty.ListValEmpty(at.ElementType())
		case at.IsMapType():
			vals[name] = cty.MapValEmpty(at.ElementType())
		default:
			vals[name] = cty.NullVal(at)
		}
	}
	return b.Normalize(cty.ObjectVal(vals))
}

func (h *harness) plan(p *Provider, c change) providers.PlanChangeResponse {
	h.t.Helper()
	c.config = conform(p, c.kind, c.config)
	if c.prior == cty.NilVal {
		c.prior = cty.NullVal(cty.DynamicPseudoType)
	}
	resp := p.PlanChange(context.Background(), providers.PlanChangeRequest{Kind: c.kind, Address: c.address,
		Prior: c.prior, PriorPrivate: c.priorPriv, Config: c.config, Proposed: c.config})
	if resp.Diagnostics.HasErrors() {
		h.t.Fatalf("plan %s: %v", c.address, resp.Diagnostics)
	}
	return resp
}

func (h *harness) apply(ctx context.Context, p *Provider, c change, ev *events) (providers.ApplyChangeResponse, providers.PlanChangeResponse) {
	h.t.Helper()
	pr := h.plan(p, c)
	c.config = conform(p, c.kind, c.config)
	if c.prior == cty.NilVal {
		c.prior = cty.NullVal(cty.DynamicPseudoType)
	}
	if ev == nil {
		ev = &events{}
	}
	resp := p.ApplyChange(ctx, providers.ApplyChangeRequest{Kind: c.kind, Address: c.address, Prior: c.prior, PriorPrivate: c.priorPriv,
		Planned: pr.Planned, PlannedPrivate: pr.PlannedPrivate, Config: c.config, Events: ev.add})
	return resp, pr
}

func (h *harness) destroy(p *Provider, kind, address string, prior cty.Value, priv []byte) providers.ApplyChangeResponse {
	return p.ApplyChange(context.Background(), providers.ApplyChangeRequest{Kind: kind, Address: address, Prior: prior, PriorPrivate: priv,
		Planned: cty.NullVal(prior.Type()), Config: cty.NullVal(prior.Type()), Events: func(providers.Event) {}})
}

// eventually polls cond, for tests only (the provider itself watches).
func eventually(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func testClusterConfig(ns string, quotaGPUs int64, priority map[string]cty.Value) cty.Value {
	pr := cty.NullVal(cty.Map(cty.Number))
	if len(priority) > 0 {
		pr = cty.MapVal(priority)
	}
	pool := cty.ObjectVal(map[string]cty.Value{
		"gpus_per_node": cty.NumberIntVal(8), "gpu_resource": cty.NullVal(cty.String),
		"node_selector": cty.MapVal(map[string]cty.Value{"mltf.dev/test-pool": cty.StringVal("gpu")}),
		"tolerations":   cty.NullVal(tolerationsType), "capacity": cty.StringVal("spot"),
		"instance_types": cty.ListVal([]cty.Value{cty.StringVal("p4d.24xlarge")}), "max_nodes": cty.NumberIntVal(4),
		"consolidate_after": cty.StringVal("1m"), "node_class": cty.NullVal(cty.String),
	})
	return cty.ObjectVal(map[string]cty.Value{
		"namespace": cty.StringVal(ns),
		"priority":  pr,
		"quota":     cty.ObjectVal(map[string]cty.Value{"gpus": cty.NumberIntVal(quotaGPUs), "cpus": cty.NumberIntVal(64), "memory": cty.StringVal("512Gi")}),
		"pool":      cty.MapVal(map[string]cty.Value{"a100": pool}),
	})
}

// poolOf picks a pool value out of an applied cluster.
func poolOf(cluster cty.Value, name string) cty.Value {
	return cluster.GetAttr("pool").Index(cty.StringVal(name))
}

func providersRead(kind, address string, v cty.Value, priv []byte) providers.ReadRequest {
	return providers.ReadRequest{Kind: kind, Address: address, Current: v, Private: priv}
}
