package kubernetes

import (
	"context"
	"fmt"
	"os"
	"sync"

	"k8s.io/client-go/rest"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/trainingkind"
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
	OpenTracker func(ctx context.Context, url, workDir string) (Tracker, error)
}

// Provider is the Kubernetes provider.
type Provider struct {
	opts Options

	mu       sync.Mutex
	settings providers.Settings
	connCfg  connSettings
	conn     *conn
	connErr  error
	tracker  Tracker
	stop     *providers.StopSignal // fired by Stop
}

var _ providers.Interface = (*Provider)(nil)

// New returns the Kubernetes provider as mltf runs it.
func New() providers.Interface { return NewWithOptions(Options{}) }

// NewWithOptions returns a Kubernetes provider with non-default options.
func NewWithOptions(opts Options) *Provider {
	return &Provider{opts: opts, stop: providers.NewStopSignal()}
}

func (p *Provider) GetSchema(ctx context.Context) providers.GetSchemaResponse {
	return providers.GetSchemaResponse{
		Provider: providerSchema(),
		Kinds: map[string]providers.Kind{
			kindCluster:  {Block: clusterSchema(), Version: 1},
			kindTraining: {Block: trainingSchema(), Version: 1, LongRunning: true},
		},
	}
}

func (p *Provider) ValidateConfig(ctx context.Context, req providers.ValidateConfigRequest) providers.ValidateConfigResponse {
	switch req.Kind {
	case kindCluster:
		_, diags := decodeCluster(req.Config)
		return providers.ValidateConfigResponse{Diagnostics: diags}
	case kindTraining:
		_, diags := decodeTraining(req.Config)
		return providers.ValidateConfigResponse{Diagnostics: diags}
	}
	return providers.ValidateConfigResponse{Diagnostics: unknownKind(req.Kind)}
}

func unknownKind(kind string) providers.Diagnostics {
	return providers.Diagnostics{}.Errorf("Unsupported kind", "the kubernetes provider has no kind %q; it owns cluster and training.", kind)
}

// Configure reads the provider block. The connection is made on first
// use, so that a configuration without Kubernetes resources never needs
// a reachable cluster.
func (p *Provider) Configure(ctx context.Context, req providers.ConfigureRequest) providers.ConfigureResponse {
	var diags providers.Diagnostics
	d := &trainingkind.Decoder{V: req.Config}
	cs := connSettings{
		Kubeconfig: d.Str(trainingkind.Attr("kubeconfig"), ""),
		Context:    d.Str(trainingkind.Attr("context"), ""),
		Namespace:  d.Str(trainingkind.Attr("namespace"), ""),
	}
	diags = append(diags, d.Diags...)
	s := req.Settings
	if s.WorkDir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return providers.ConfigureResponse{Diagnostics: diags.FromError("Cannot find the working directory", err)}
		}
		s.WorkDir = wd
	}
	var tr Tracker
	if s.TrackingURL != "" {
		open := p.opts.OpenTracker
		if open == nil {
			open = openTrackingStore
		}
		var err error
		tr, err = open(ctx, s.TrackingURL, s.WorkDir)
		if err != nil {
			diags = diags.FromError("Cannot open the tracking store", fmt.Errorf("%s: %w", s.TrackingURL, err))
		}
	}
	p.mu.Lock()
	p.settings, p.connCfg, p.tracker = s, cs, tr
	p.mu.Unlock()
	return providers.ConfigureResponse{Diagnostics: diags}
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
	if cfg == nil {
		cfg, ns, err = loadRESTConfig(p.connCfg)
		if err != nil {
			p.connErr = err
			return nil, err
		}
	}
	if p.connCfg.Namespace != "" {
		ns = p.connCfg.Namespace
	}
	p.conn, p.connErr = newConn(cfg, ns)
	return p.conn, p.connErr
}

func (p *Provider) config() (providers.Settings, Tracker) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.settings, p.tracker
}

func (p *Provider) PlanChange(ctx context.Context, req providers.PlanChangeRequest) providers.PlanChangeResponse {
	switch req.Kind {
	case kindCluster:
		return p.planCluster(ctx, req)
	case kindTraining:
		return p.planTraining(ctx, req)
	}
	return providers.PlanChangeResponse{Diagnostics: unknownKind(req.Kind)}
}

func (p *Provider) ApplyChange(ctx context.Context, req providers.ApplyChangeRequest) providers.ApplyChangeResponse {
	if req.Events == nil {
		req.Events = func(providers.Event) {}
	}
	switch req.Kind {
	case kindCluster:
		return p.applyCluster(ctx, req)
	case kindTraining:
		return p.applyTraining(ctx, req)
	}
	return providers.ApplyChangeResponse{Diagnostics: unknownKind(req.Kind)}
}

func (p *Provider) Read(ctx context.Context, req providers.ReadRequest) providers.ReadResponse {
	switch req.Kind {
	case kindCluster:
		return p.readCluster(ctx, req)
	case kindTraining:
		return p.readTraining(ctx, req)
	}
	return providers.ReadResponse{Diagnostics: unknownKind(req.Kind)}
}

func (p *Provider) Import(ctx context.Context, req providers.ImportRequest) providers.ImportResponse {
	return providers.ImportResponse{Diagnostics: providers.Diagnostics{}.Errorf("Import not supported",
		"the kubernetes provider cannot import %s %q; declare it and let mltf apply create or adopt it (a cluster adopts an existing namespace).", req.Kind, req.ID)}
}

// Stop makes running ApplyChange calls return at once. Their Jobs go on
// in the cluster; the next apply re-attaches.
func (p *Provider) Stop(ctx context.Context) error {
	p.stop.Stop()
	return nil
}

func (p *Provider) stopped() <-chan struct{} { return p.stop.Done() }

func (p *Provider) Close() error {
	p.mu.Lock()
	tr, c := p.tracker, p.conn
	p.tracker, p.conn = nil, nil
	p.mu.Unlock()
	if c != nil {
		c.close()
	}
	if tr != nil {
		return tr.Close()
	}
	return nil
}

// connDiags turns a connection failure into a diagnostic.
func connDiags(err error) providers.Diagnostics {
	return providers.Diagnostics{}.Errorf("Cannot reach the Kubernetes cluster", "%s", err)
}
