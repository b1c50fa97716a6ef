package local

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
)

// Options configure a Provider; the zero value is what mltf uses.
type Options struct {
	// Supervisor is the command that runs a run directory's supervisor,
	// given the directory as its last argument. Default: this executable
	// with "internal-supervise".
	Supervisor []string
	// OpenTracker opens the tracking store of Settings.TrackingURL. Default:
	// the store of package state/tracking. Returning a nil Tracker turns
	// tracking (and the reuse of runs from other workspaces) off.
	OpenTracker func(ctx context.Context, url, workDir string) (Tracker, error)
}

// Provider is the local provider.
type Provider struct {
	opts Options

	mu       sync.Mutex
	settings providers.Settings
	tracker  Tracker
	stop     *providers.StopSignal // fired by Stop
	pools    *pools
	host     hostFacts
}

var _ providers.Interface = (*Provider)(nil)

// New returns the local provider as mltf runs it.
func New() providers.Interface { return NewWithOptions(Options{}) }

// NewWithOptions returns a local provider with non-default options.
func NewWithOptions(opts Options) *Provider {
	return &Provider{opts: opts, stop: providers.NewStopSignal(), pools: newPools()}
}

const (
	kindCluster  = "cluster"
	kindTraining = "training"
)

func (p *Provider) GetSchema(ctx context.Context) providers.GetSchemaResponse {
	return providers.GetSchemaResponse{
		Provider: &schema.Block{Description: "The local machine."},
		Kinds: map[string]providers.Kind{
			kindCluster:  {Block: clusterSchema(), Version: 1},
			kindTraining: {Block: trainingSchema(), Version: 1, LongRunning: true},
		},
	}
}

func (p *Provider) ValidateConfig(ctx context.Context, req providers.ValidateConfigRequest) providers.ValidateConfigResponse {
	switch req.Kind {
	case kindCluster:
		_, diags := decodePools(req.Config, 1)
		return providers.ValidateConfigResponse{Diagnostics: diags}
	case kindTraining:
		_, diags := decodeTraining(req.Config)
		return providers.ValidateConfigResponse{Diagnostics: diags}
	}
	return providers.ValidateConfigResponse{Diagnostics: unknownKind(req.Kind)}
}

func unknownKind(kind string) providers.Diagnostics {
	return providers.Diagnostics{}.Errorf("Unsupported kind", "the local provider has no kind %q; it owns cluster and training.", kind)
}

func (p *Provider) Configure(ctx context.Context, req providers.ConfigureRequest) providers.ConfigureResponse {
	var diags providers.Diagnostics
	s := req.Settings
	if s.WorkDir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return providers.ConfigureResponse{Diagnostics: diags.FromError("Cannot find the working directory", err)}
		}
		s.WorkDir = wd
	}
	if s.RunsDir == "" {
		s.RunsDir = filepath.Join(s.WorkDir, ".mltf", "runs")
	} else if !filepath.IsAbs(s.RunsDir) {
		s.RunsDir = filepath.Join(s.WorkDir, s.RunsDir)
	}
	if s.ArtifactsURL == "" {
		s.ArtifactsURL = "file://" + filepath.Join(s.WorkDir, ".mltf", "artifacts")
	}
	host, err := readHostFacts()
	if err != nil {
		diags = diags.FromError("Cannot read this host's CPUs and memory", err)
	}
	open := p.opts.OpenTracker
	if open == nil {
		open = openTrackingStore
	}
	var tr Tracker
	if s.TrackingURL != "" {
		tr, err = open(ctx, s.TrackingURL, s.WorkDir)
		if err != nil {
			diags = diags.FromError("Cannot open the tracking store", fmt.Errorf("%s: %w", s.TrackingURL, err))
		}
	}
	p.mu.Lock()
	p.settings, p.tracker, p.host = s, tr, host
	p.mu.Unlock()
	return providers.ConfigureResponse{Diagnostics: diags}
}

func (p *Provider) config() (providers.Settings, Tracker) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.settings, p.tracker
}

func (p *Provider) PlanChange(ctx context.Context, req providers.PlanChangeRequest) providers.PlanChangeResponse {
	switch req.Kind {
	case kindCluster:
		return p.planCluster(req)
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
		return p.applyCluster(req)
	case kindTraining:
		return p.applyTraining(ctx, req)
	}
	return providers.ApplyChangeResponse{Diagnostics: unknownKind(req.Kind)}
}

func (p *Provider) Read(ctx context.Context, req providers.ReadRequest) providers.ReadResponse {
	switch req.Kind {
	case kindCluster:
		return p.readCluster(req)
	case kindTraining:
		return p.readTraining(ctx, req)
	}
	return providers.ReadResponse{Diagnostics: unknownKind(req.Kind)}
}

func (p *Provider) Import(ctx context.Context, req providers.ImportRequest) providers.ImportResponse {
	return providers.ImportResponse{Diagnostics: providers.Diagnostics{}.Errorf("Import not supported",
		"the local provider cannot import %s %q; declare it and let mltf apply create it.", req.Kind, req.ID)}
}

// Stop makes running ApplyChange calls return at once. Their trainings go
// on under their supervisors; the next apply re-attaches.
func (p *Provider) Stop(ctx context.Context) error {
	p.stop.Stop()
	return nil
}

func (p *Provider) stopped() <-chan struct{} { return p.stop.Done() }

func (p *Provider) Close() error {
	p.mu.Lock()
	tr := p.tracker
	p.tracker = nil
	p.mu.Unlock()
	if tr != nil {
		return tr.Close()
	}
	return nil
}

// supervisorCommand is the command that starts a supervisor.
func (p *Provider) supervisorCommand() ([]string, error) {
	if len(p.opts.Supervisor) > 0 {
		return p.opts.Supervisor, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("cannot find the mltf executable to run the supervisor: %w", err)
	}
	return []string{exe, "internal-supervise"}, nil
}
