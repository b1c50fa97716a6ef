package local

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/kinds/deployment"
	"github.com/mltf/mltf/kinds/pipeline"
	"github.com/mltf/mltf/kinds/sweep"
	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/local/launcher"
	"github.com/mltf/mltf/providers/runflow"
	"github.com/mltf/mltf/providers/sdk"
)

// Options configure a Provider; the zero value is what mltf uses.
type Options struct {
	// Supervisor is the command that runs a run directory's supervisor,
	// given the directory as its last argument. Default: this executable
	// with "internal-supervise", or the mltf-supervisor beside it.
	Supervisor []string
	// OpenTracker opens the tracking store of Settings.TrackingURL. Default:
	// the store of package state/tracking. Returning a nil Tracker turns
	// tracking (and the reuse of runs from other workspaces) off.
	OpenTracker func(ctx context.Context, url, workDir string) (runflow.Tracker, error)
	// Serve is the command that runs a deployment's front end, given its
	// directory as its last argument. Default: this executable with
	// "internal-serve".
	Serve []string
}

// Provider is the local provider: the cluster kind, and the training kind
// carried out by the run flow on this machine (the backend of
// backend.go).
type Provider struct {
	*sdk.Provider
	opts Options
	flow *runflow.Flow

	mu    sync.Mutex
	host  hostFacts
	pools *pools

	shimOnce sync.Once
	shim     string // the mltf-supervisor found beside mltf, or ""
}

var _ providers.Interface = (*Provider)(nil)

// New returns the local provider as mltf runs it.
func New() providers.Interface { return NewWithOptions(Options{}) }

// NewWithOptions returns a local provider with non-default options.
func NewWithOptions(opts Options) *Provider {
	p := &Provider{opts: opts, pools: newPools()}
	p.flow = &runflow.Flow{Backend: &backend{p: p}, OpenTracker: opts.OpenTracker}
	p.Provider = &sdk.Provider{
		Schema:        &schema.Block{Description: "The local machine."},
		ConfigureFunc: p.configure,
		Kinds: map[string]*sdk.Kind{
			"cluster":    p.clusterKind(),
			"training":   p.flow.Kind(trainingSchema()),
			"sweep":      sweep.Kind(p.flow, trainingSchema()),
			"pipeline":   pipeline.Kind(p.flow, trainingSchema(), nil),
			"deployment": deployment.Kind(&deployments{p: p}, p.flow.Settings),
		},
		CloseFunc: p.flow.Close,
	}
	return p
}

func (p *Provider) configure(ctx context.Context, _ cty.Value, s providers.Settings) providers.Diagnostics {
	var diags providers.Diagnostics
	s, err := runflow.WorkDir(s)
	if err != nil {
		return diags.FromError("Cannot find the working directory", err)
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
	p.mu.Lock()
	p.host = host
	p.mu.Unlock()
	return append(diags, p.flow.Configure(ctx, s)...)
}

func (p *Provider) hostFacts() hostFacts {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.host
}

func (p *Provider) Import(ctx context.Context, req providers.ImportRequest) providers.ImportResponse {
	return providers.ImportResponse{Diagnostics: providers.Diagnostics{}.Errorf("Import not supported",
		"the local provider cannot import %s %q; declare it and let mltf apply create it.", req.Kind, req.ID)}
}

// supervisorCommand is the command that starts a supervisor: the small
// mltf-supervisor next to this executable when it speaks the launcher's
// protocol (it starts in milliseconds), else this executable's own
// internal-supervise.
func (p *Provider) supervisorCommand() ([]string, error) {
	if len(p.opts.Supervisor) > 0 {
		return p.opts.Supervisor, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("cannot find the mltf executable to run the supervisor: %w", err)
	}
	p.shimOnce.Do(func() { p.shim = findSupervisor(exe) })
	if p.shim != "" {
		return []string{p.shim}, nil
	}
	return []string{exe, "internal-supervise"}, nil
}

// findSupervisor returns the mltf-supervisor beside exe when it reports
// the launcher's protocol, else "".
func findSupervisor(exe string) string {
	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		exe = resolved
	}
	shim := filepath.Join(filepath.Dir(exe), "mltf-supervisor")
	out, err := exec.Command(shim, "-protocol").Output()
	if err != nil || strings.TrimSpace(string(out)) != launcher.Protocol {
		return ""
	}
	return shim
}
