package kubernetes

import (
	"context"
	"os"
	"sync"

	"github.com/zclconf/go-cty/cty"
	"k8s.io/client-go/rest"

	"github.com/mltf/mltf/kinds/deployment"
	"github.com/mltf/mltf/kinds/pipeline"
	"github.com/mltf/mltf/kinds/sweep"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/ctyval"
	"github.com/mltf/mltf/providers/runflow"
	"github.com/mltf/mltf/providers/sdk"
)

const (
	providerName = "kubernetes"
	kindCluster  = "cluster"
	kindTraining = "training"
)

// Options configure a Provider; the zero value is what mltf uses.
type Options struct {
	// RESTConfig, when set, is the API server to talk to instead of the
	// one the kubeconfig names (tests use it to count requests).
	RESTConfig *rest.Config
	// OpenTracker opens the tracking store of Settings.TrackingURL.
	// Default: the store of package state/tracking. A nil Tracker turns
	// tracking off.
	OpenTracker func(ctx context.Context, url, workDir string) (runflow.Tracker, error)
}

// Provider is the Kubernetes provider: the cluster kind, and the training
// kind carried out by the run flow on the cluster (the backend of
// backend.go).
type Provider struct {
	*sdk.Provider
	opts Options
	flow *runflow.Flow

	mu      sync.Mutex
	connCfg connSettings
	conn    *conn
	connErr error
}

var _ providers.Interface = (*Provider)(nil)

// New returns the Kubernetes provider as mltf runs it.
func New() providers.Interface { return NewWithOptions(Options{}) }

// NewWithOptions returns a Kubernetes provider with non-default options.
func NewWithOptions(opts Options) *Provider {
	p := &Provider{opts: opts}
	p.flow = &runflow.Flow{Backend: &backend{p: p}, OpenTracker: opts.OpenTracker}
	p.Provider = &sdk.Provider{
		Schema:        providerSchema(),
		ConfigureFunc: p.configure,
		Kinds: map[string]*sdk.Kind{
			kindCluster:  p.clusterKind(),
			kindTraining: p.flow.Kind(trainingSchema()),
			"sweep":      sweep.Kind(p.flow, trainingSchema()),
			"pipeline":   pipeline.Kind(p.flow, trainingSchema(), &cronJobs{p: p}),
			"deployment": deployment.Kind(&deployments{p: p}, p.flow.Settings),
		},
		CloseFunc: p.close,
	}
	return p
}

// configure reads the provider block. The connection is made on first
// use, so that a configuration without Kubernetes resources never needs
// a reachable cluster.
func (p *Provider) configure(ctx context.Context, config cty.Value, s providers.Settings) providers.Diagnostics {
	d := &ctyval.Decoder{V: config}
	cs := connSettings{
		Kubeconfig: d.Str(ctyval.Attr("kubeconfig"), ""),
		Context:    d.Str(ctyval.Attr("context"), ""),
		Namespace:  d.Str(ctyval.Attr("namespace"), ""),
		MltfImage:  d.Str(ctyval.Attr("mltf_image"), ""),
	}
	diags := d.Diags
	s, err := runflow.WorkDir(s)
	if err != nil {
		return diags.FromError("Cannot find the working directory", err)
	}
	p.mu.Lock()
	p.connCfg = cs
	p.mu.Unlock()
	return append(diags, p.flow.Configure(ctx, s)...)
}

// settings returns the provider block's settings.
func (p *Provider) settings() connSettings {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.connCfg
}

// connection returns the connection to the API server, made once.
func (p *Provider) connection() (*conn, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn != nil || p.connErr != nil {
		return p.conn, p.connErr
	}
	cfg, ns := p.opts.RESTConfig, ""
	var err error
	inCluster := false
	if cfg == nil {
		cfg, ns, inCluster, err = loadRESTConfig(p.connCfg)
		if err != nil {
			p.connErr = err
			return nil, err
		}
	}
	if p.connCfg.Namespace != "" {
		ns = p.connCfg.Namespace
	}
	p.conn, p.connErr = newConn(cfg, ns)
	if s := os.Getenv(serverEnv); inCluster && s != "" && p.conn != nil {
		// A scheduled apply in the CronJob's pod: the cluster keeps the
		// name the state knows it by, not the in-cluster address.
		p.conn.server = s
	}
	return p.conn, p.connErr
}

func (p *Provider) Import(ctx context.Context, req providers.ImportRequest) providers.ImportResponse {
	return providers.ImportResponse{Diagnostics: providers.Diagnostics{}.Errorf("Import not supported",
		"the kubernetes provider cannot import %s %q; declare it and let mltf apply create or adopt it (a cluster adopts an existing namespace).", req.Kind, req.ID)}
}

func (p *Provider) close() error {
	p.mu.Lock()
	c := p.conn
	p.conn = nil
	p.mu.Unlock()
	if c != nil {
		c.close()
	}
	return p.flow.Close()
}

// connDiags turns a connection failure into a diagnostic.
func connDiags(err error) providers.Diagnostics {
	return providers.Diagnostics{}.Errorf("Cannot reach the Kubernetes cluster", "%s", err)
}
