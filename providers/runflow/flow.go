package runflow

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/kinds/training"
	"github.com/mltf/mltf/providers"
)

// Flow carries out the runs of one backend.
type Flow struct {
	Backend Backend
	// OpenTracker opens the tracking store of Settings.TrackingURL.
	// Default: OpenTracker of this package. A nil Tracker turns tracking
	// (and the reuse of runs found in it) off.
	OpenTracker func(ctx context.Context, url, workDir string) (Tracker, error)

	mu       sync.Mutex
	settings providers.Settings
	tracker  Tracker
}

// Configure takes the project's settings (the working directory made
// absolute by the caller) and opens the tracking store.
func (f *Flow) Configure(ctx context.Context, s providers.Settings) providers.Diagnostics {
	var diags providers.Diagnostics
	var tr Tracker
	if s.TrackingURL != "" {
		open := f.OpenTracker
		if open == nil {
			open = OpenTracker
		}
		var err error
		if tr, err = open(ctx, s.TrackingURL, s.WorkDir); err != nil {
			diags = diags.FromError("Cannot open the tracking store", fmt.Errorf("%s: %w", s.TrackingURL, err))
		}
	}
	f.mu.Lock()
	old := f.tracker
	f.settings, f.tracker = s, tr
	f.mu.Unlock()
	if old != nil {
		old.Close()
	}
	return diags
}

// Settings are the settings Configure took.
func (f *Flow) Settings() providers.Settings {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.settings
}

func (f *Flow) env() (providers.Settings, Tracker) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.settings, f.tracker
}

// Close closes the tracking store.
func (f *Flow) Close() error {
	f.mu.Lock()
	tr := f.tracker
	f.tracker = nil
	f.mu.Unlock()
	if tr != nil {
		return tr.Close()
	}
	return nil
}

// WorkDir makes s.WorkDir absolute: the current directory when empty.
func WorkDir(s providers.Settings) (providers.Settings, error) {
	if s.WorkDir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return s, err
		}
		s.WorkDir = wd
	}
	return s, nil
}

// newRun is the flow's view of a run of the configuration c.
func (f *Flow) newRun(address string, c *Config, s providers.Settings) (*Run, error) {
	p, err := training.PlanInputs(&c.Config, c.Backend, s.WorkDir, c.LocalData)
	return &Run{Address: address, Settings: s, Config: c, Planned: p}, err
}

// watch makes the Watch of a run.
func (f *Flow) watch(r *Run, tr Tracker, config cty.Value, priv *Private, events func(providers.Event)) *Watch {
	rec := RunRecord{
		ID: r.ID, ExperimentID: r.Config.Experiment.ID, ExperimentName: r.Config.Experiment.Name,
		Name: r.Address, Fingerprint: r.Fingerprint(), GitCommit: priv.GitCommit, GitDirty: priv.GitDirty,
		Address: r.Address, Workspace: r.Settings.Workspace,
	}
	switch {
	case priv.TrackedParams != nil:
		rec.Params = priv.TrackedParams
	case r.Config.Params != cty.NilVal:
		rec.Params, _ = r.Config.TrackedParams(training.SecretsOf(r.Sensitive))
	}
	return &Watch{events: events, tracker: tr, config: config, priv: priv, record: rec}
}

// gitState is the commit of the working directory and whether it has
// uncommitted changes; empty outside a git repository.
func gitState(ctx context.Context, dir string) (commit string, dirty bool) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "git", "-C", dir, "rev-parse", "HEAD").Output()
	if err != nil {
		return "", false
	}
	commit = strings.TrimSpace(string(out))
	out, err = exec.CommandContext(ctx, "git", "-C", dir, "status", "--porcelain").Output()
	return commit, err == nil && len(strings.TrimSpace(string(out))) > 0
}
