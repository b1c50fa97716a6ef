package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/mltf/mltf/kinds/deployment"
	"github.com/mltf/mltf/providers"
	python "github.com/mltf/mltf/sdk/python"
	"github.com/mltf/mltf/serving"
)

// deployments runs deployments on this machine: a detached front end
// process (mltf internal-serve DIR) per deployment, which starts the
// workers of each version itself. A deployment's directory is
// .mltf/deployments/WORKSPACE/ADDRESS: spec.json, frontend.json (where it
// listens), frontend.log, logs/ of the workers, timeline.jsonl.
type deployments struct {
	p *Provider
}

var _ deployment.Backend = (*deployments)(nil)

func (b *deployments) Name() string { return "local" }

// DeploymentDir is where the deployment at address of workspace keeps its
// files.
func DeploymentDir(workDir, workspace, address string) string {
	if workspace == "" {
		workspace = "default"
	}
	return filepath.Join(workDir, ".mltf", "deployments", workspace, address)
}

func (b *deployments) dir(d *deployment.Deployment) string {
	return DeploymentDir(d.Settings.WorkDir, d.Settings.Workspace, d.Address)
}

func (b *deployments) Check(d *deployment.Deployment) providers.Diagnostics {
	var diags providers.Diagnostics
	if d.Config.Autoscale != nil {
		diags = append(diags, providers.Diagnostic{Severity: providers.Warning, Summary: "autoscale is for Kubernetes",
			Detail: fmt.Sprintf("%s runs locally with %d replica(s) per version; autoscale applies on a kubernetes cluster.", d.Address, d.Config.Replicas)})
	}
	return diags
}

func (b *deployments) URL(d *deployment.Deployment) string { return "http://" + d.Config.Listen }

func (b *deployments) Running(ctx context.Context, d *deployment.Deployment) (*serving.Client, bool) {
	var a serving.Address
	raw, err := os.ReadFile(filepath.Join(b.dir(d), serving.AddressFile))
	if err != nil || json.Unmarshal(raw, &a) != nil {
		return nil, false
	}
	c := &serving.Client{Addr: a.Admin}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := c.Spec(ctx); err != nil {
		return nil, false
	}
	return c, true
}

func (b *deployments) FrontEnd(ctx context.Context, d *deployment.Deployment, baseline *serving.Baseline) (*serving.Client, error) {
	if c, ok := b.Running(ctx, d); ok {
		return c, nil
	}
	dir := b.dir(d)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	os.Remove(filepath.Join(dir, serving.AddressFile))
	spec := serving.Spec{Model: d.Config.Model, Listen: d.Config.Listen, Admin: "127.0.0.1:0", Baseline: baseline,
		Batching: serving.Batching{MaxBatchSize: d.Config.MaxBatchSize, MaxLatency: serving.Duration(d.Config.MaxLatency)}}
	raw, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, serving.SpecFile), raw, 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "mltf_worker.py"), python.Worker, 0o644); err != nil {
		return nil, err
	}
	cmdline, err := b.p.serveCommand()
	if err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(filepath.Join(dir, "frontend.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(cmdline[0], append(cmdline[1:len(cmdline):len(cmdline)], dir)...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot start the front end: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(30 * time.Second)
	for {
		if c, ok := b.Running(ctx, d); ok {
			return c, nil
		}
		select {
		case err := <-exited:
			msg, _ := os.ReadFile(filepath.Join(dir, "frontend.log"))
			return nil, fmt.Errorf("the front end exited (%v): %s", err, lastLines(string(msg), 5))
		case <-deadline:
			cmd.Process.Kill()
			return nil, errors.New("the front end did not start within 30s; see " + filepath.Join(dir, "frontend.log"))
		case <-ctx.Done():
			cmd.Process.Kill()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func (b *deployments) Version(ctx context.Context, d *deployment.Deployment, v deployment.Served) (serving.Version, error) {
	dir := b.dir(d)
	command := d.Config.Worker
	if len(command) == 0 {
		command = []string{"python3", filepath.Join(dir, "mltf_worker.py"), "--model", "{model}", "--port", "{port}"}
	}
	args := make([]string, len(command))
	for i, a := range command {
		args[i] = strings.ReplaceAll(a, "{model}", v.Dir)
	}
	return serving.Version{Version: v.Version, Spawn: &serving.Spawn{Command: args, Dir: d.Settings.WorkDir, Replicas: d.Config.Replicas}}, nil
}

// Retire has nothing to do locally: the front end stops the workers of a
// version it no longer serves.
func (b *deployments) Retire(ctx context.Context, d *deployment.Deployment, v int64) error {
	return nil
}

// Settle has nothing to record locally: a front end that stopped is
// started again by the next apply, which rolls its version out anew.
func (b *deployments) Settle(ctx context.Context, d *deployment.Deployment, versions []serving.Version) error {
	return nil
}

func (b *deployments) Destroy(ctx context.Context, d *deployment.Deployment) error {
	c, ok := b.Running(ctx, d)
	if !ok {
		return nil
	}
	if err := c.Stop(ctx); err != nil {
		return err
	}
	for i := 0; i < 300; i++ {
		if _, ok := b.Running(ctx, d); !ok {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("the front end did not stop within 30s")
}

// serveCommand is the command that runs a deployment's front end, given its
// directory as the last argument.
func (p *Provider) serveCommand() ([]string, error) {
	if len(p.opts.Serve) > 0 {
		return p.opts.Serve, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("cannot find the mltf executable to run the front end: %w", err)
	}
	return []string{exe, "internal-serve"}, nil
}
