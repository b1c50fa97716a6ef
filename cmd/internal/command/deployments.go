package command

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/cli"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/cmd/internal/views"
	"github.com/mltf/mltf/providers/install"
	"github.com/mltf/mltf/providers/local"
	"github.com/mltf/mltf/serving"
	"github.com/mltf/mltf/state"
	"github.com/mltf/mltf/state/tracking"
)

// DeploymentsCommand is mltf deployments, which lists its subcommands.
type DeploymentsCommand struct{ Meta }

func (c *DeploymentsCommand) Synopsis() string {
	return "Inspect deployments: traffic, latency, errors, drift"
}
func (c *DeploymentsCommand) Help() string {
	return strings.TrimSpace(`
Usage: mltf deployments <subcommand>

  list                    deployments of the state: model, serving version, URL, last rollout
  show NAME               a deployment's versions with their traffic, p50/p95/p99 and error
                          rate since its front end started, and the input drift by column
  plot NAME -o FILE       latency percentiles and traffic share over time, rollout steps
                          marked (PNG or SVG by FILE's extension)

NAME is the deployment's name (digits) or address (deployment.digits).
`)
}
func (c *DeploymentsCommand) Run(args []string) int { return cli.RunResultHelp }

// deploymentInstance is one deployment of the state.
type deploymentInstance struct {
	addr     string
	provider string
	// server is the API server of a Kubernetes deployment's cluster, as
	// the cluster's state records it.
	server string
	attrs  struct {
		Model          map[string]any `json:"model"`
		Pool           map[string]any `json:"pool"`
		Alias          string         `json:"alias"`
		URL            string         `json:"url"`
		ServingVersion *int64         `json:"serving_version"`
		Rollout        *struct {
			State, Step, Detail string
			Traffic             map[string]int64
		} `json:"rollout"`
	}
}

func (d deploymentInstance) model() string { return dynamicString(d.attrs.Model, "name", "-") }

// dynamicString is the attribute name of an object attribute of dynamic
// type in the state, else or.
func dynamicString(m map[string]any, name, or string) string {
	if v, ok := m["value"].(map[string]any); ok { // a value of dynamic type
		m = v
	}
	if s, ok := m[name].(string); ok {
		return s
	}
	return or
}

// dir is the local front end's directory; "" for another provider.
func (m *Meta) deploymentDir(d deploymentInstance) string {
	if d.provider != "local" {
		return ""
	}
	return local.DeploymentDir(m.WorkDir, m.workspace(), d.addr)
}

func (m *Meta) deployments() ([]deploymentInstance, bool) {
	st, ok := m.currentState()
	if !ok {
		return nil, false
	}
	var out []deploymentInstance
	servers := clusterServers(st)
	for _, addr := range st.Addresses() {
		r := st.Resources[addr]
		if r.Kind != "deployment" {
			continue
		}
		keys := make([]string, 0, len(r.Instances))
		for k := range r.Instances {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			d := deploymentInstance{addr: addr, provider: r.Provider}
			if k != "" {
				d.addr += "[" + k + "]"
			}
			if err := json.Unmarshal(r.Instances[k].Attributes, &d.attrs); err != nil {
				m.errorf("%s: %s", d.addr, err)
				return nil, false
			}
			d.server = servers[dynamicString(d.attrs.Pool, "cluster_id", "")]
			out = append(out, d)
		}
	}
	return out, true
}

func (m *Meta) findDeployment(name string) (deploymentInstance, bool) {
	all, ok := m.deployments()
	if !ok {
		return deploymentInstance{}, false
	}
	return findByName(m, "deployment", name, all, func(d deploymentInstance) string { return d.addr })
}

// clusterServers are the API servers of the state's clusters by their id.
func clusterServers(st *state.State) map[string]string {
	out := map[string]string{}
	for _, r := range st.Resources {
		if r.Kind != "cluster" {
			continue
		}
		for _, inst := range r.Instances {
			var a struct{ ID, Server string }
			if json.Unmarshal(inst.Attributes, &a) == nil && a.ID != "" && a.Server != "" {
				out[a.ID] = a.Server
			}
		}
	}
	return out
}

// kubernetesAccess is the provider "kubernetes" block's kubeconfig and
// context, read without evaluating the configuration, into req: an
// attribute that is not a literal string is left to kubectl's defaults,
// which the result then says, for messages.
func (m *Meta) kubernetesAccess(req *frontEndProxyRequest) string {
	cfg := m.settingsConfig()
	if cfg == nil || cfg.Providers["kubernetes"] == nil {
		return ""
	}
	content, _, _ := cfg.Providers["kubernetes"].Config.PartialContent(&hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "kubeconfig"}, {Name: "context"}}})
	var skipped []string
	for name, to := range map[string]*string{"kubeconfig": &req.Kubeconfig, "context": &req.Context} {
		attr := content.Attributes[name]
		if attr == nil {
			continue
		}
		v, diags := attr.Expr.Value(nil)
		if diags.HasErrors() || v.IsNull() || v.Type() != cty.String {
			skipped = append(skipped, fmt.Sprintf("%s (%s)", name, attr.Range))
			continue
		}
		*to = v.AsString()
	}
	if len(skipped) == 0 {
		return ""
	}
	sort.Strings(skipped)
	return fmt.Sprintf(" (the provider block's %s is not a literal string: KUBECONFIG or ~/.kube/config was used)", strings.Join(skipped, " and "))
}

// frontEndProxyRequest is kubernetes.FrontEndProxyRequest, which this
// package does not import: the kubernetes provider's executable links
// client-go, and the mltf command does not.
type frontEndProxyRequest struct {
	Kubeconfig, Context, Server   string
	Address, Workspace, Namespace string
}

// kubernetesFrontEnd reaches the admin API of a deployment's front end on
// Kubernetes through mltf-provider-kubernetes front-end-proxy, which
// serves it on a loopback port until ctx is done.
func (m *Meta) kubernetesFrontEnd(ctx context.Context, req frontEndProxyRequest) (*serving.Client, error) {
	exe, err := install.Bundled("kubernetes")
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe, "front-end-proxy") // kubernetes.FrontEndProxyCommand
	cmd.Stderr = m.Stderr
	// The request, on a standard input that stays open: the proxy serves
	// until it ends, when ctx is done (CommandContext kills it) or mltf
	// exits.
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go cmd.Wait()
	if _, err := in.Write(append(body, '\n')); err != nil {
		return nil, err
	}
	var a struct{ Addr, Error string }
	line, err := bufio.NewReader(out).ReadBytes('\n')
	if err != nil || json.Unmarshal(line, &a) != nil {
		return nil, fmt.Errorf("%s front-end-proxy ended without an address (%v)", exe, err)
	}
	if a.Error != "" {
		return nil, errors.New(a.Error)
	}
	return &serving.Client{Addr: a.Addr}, nil
}

// frontEnd reaches a deployment's front end: a local one at the address
// it wrote, one on Kubernetes through the API server's proxy of its pod.
func (m *Meta) frontEnd(ctx context.Context, d deploymentInstance) (*serving.Client, string) {
	if d.provider == "kubernetes" {
		ns := dynamicString(d.attrs.Pool, "namespace", "")
		if ns == "" {
			return nil, "the state records no namespace of its pool"
		}
		req := frontEndProxyRequest{Server: d.server, Address: d.addr, Workspace: m.workspace(), Namespace: ns}
		why := m.kubernetesAccess(&req)
		c, err := m.kubernetesFrontEnd(ctx, req)
		if err != nil {
			return nil, err.Error() + why
		}
		return c, ""
	}
	dir := m.deploymentDir(d)
	if dir == "" {
		return nil, fmt.Sprintf("its front end runs on %s; read its metrics at %s/metrics", d.provider, d.attrs.URL)
	}
	raw, err := os.ReadFile(filepath.Join(dir, serving.AddressFile))
	var a serving.Address
	if err != nil || json.Unmarshal(raw, &a) != nil {
		return nil, "its front end is not running (mltf apply starts it again)"
	}
	return &serving.Client{Addr: a.Admin}, ""
}

// DeploymentsListCommand is mltf deployments list.
type DeploymentsListCommand struct{ Meta }

func (c *DeploymentsListCommand) Synopsis() string { return "List deployments" }
func (c *DeploymentsListCommand) Help() string     { return "Usage: mltf deployments list" }
func (c *DeploymentsListCommand) Run(args []string) int {
	if !c.parseNoArgs(c.flagSet("deployments list"), args) {
		return cli.RunResultHelp
	}
	all, ok := c.deployments()
	if !ok {
		return 1
	}
	out := make([]views.Deployment, len(all))
	for i, d := range all {
		out[i] = d.view()
	}
	views.DeploymentsList(c.Stdout, out)
	return 0
}

// view is what views show of d.
func (d deploymentInstance) view() views.Deployment {
	v := views.Deployment{Addr: d.addr, Model: d.model(), Alias: d.attrs.Alias, URL: d.attrs.URL, ServingVersion: d.attrs.ServingVersion}
	if r := d.attrs.Rollout; r != nil {
		v.Rollout = &views.DeploymentRollout{State: r.State, Step: r.Step, Detail: r.Detail, Traffic: r.Traffic}
	}
	return v
}

// DeploymentsShowCommand is mltf deployments show.
type DeploymentsShowCommand struct{ Meta }

func (c *DeploymentsShowCommand) Synopsis() string {
	return "Show a deployment's versions, traffic, latency, errors and drift"
}
func (c *DeploymentsShowCommand) Help() string { return "Usage: mltf deployments show NAME" }
func (c *DeploymentsShowCommand) Run(args []string) int {
	name, ok := c.parseWithName(c.flagSet("deployments show"), args, "mltf deployments show takes the name of a deployment")
	if !ok {
		return cli.RunResultHelp
	}
	d, ok := c.findDeployment(name)
	if !ok {
		return 1
	}
	detail := views.DeploymentDetail{Deployment: d.view()}
	c.rollouts(d, &detail)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c.live(ctx, d, &detail)
	views.DeploymentShow(c.Stdout, detail)
	return 0
}

// live reads the front end's figures and the input drift.
func (c *DeploymentsShowCommand) live(ctx context.Context, d deploymentInstance, out *views.DeploymentDetail) {
	fe, why := c.frontEnd(ctx, d)
	if fe == nil {
		out.NoLive = why
		return
	}
	st, err := fe.Stats(ctx)
	if err != nil {
		out.NoLive = fmt.Sprintf("the front end does not answer (%s)", err)
		return
	}
	out.Stats = st
	if spec, err := fe.Spec(ctx); err == nil && spec.Baseline != nil && len(st.Drift) > 0 {
		out.Drift, out.DriftRows = spec.Baseline.Drift(st.Drift)
	}
}

// rollouts reads the deployment's rollouts and rollbacks, newest last:
// the last moves of the alias its address names in the model's history.
func (c *DeploymentsShowCommand) rollouts(d deploymentInstance, out *views.DeploymentDetail) {
	ctx := context.Background()
	s := c.settings(c.settingsConfig(), c.workspace())
	ts, err := tracking.Open(ctx, s.TrackingURL, c.WorkDir)
	if err != nil {
		out.NoHistory = fmt.Sprintf("cannot open the tracking store %s (%v)", s.TrackingURL, err)
		return
	}
	defer ts.Close()
	moves, err := ts.AliasHistory(ctx, d.model(), d.addr)
	if err != nil {
		return
	}
	const most = 10
	out.MovesTotal = len(moves)
	if len(moves) > most {
		moves = moves[len(moves)-most:]
	}
	out.Moves = moves
}

// DeploymentsPlotCommand is mltf deployments plot.
type DeploymentsPlotCommand struct{ Meta }

func (c *DeploymentsPlotCommand) Synopsis() string {
	return "Plot a deployment's latency and traffic over time as PNG or SVG"
}
func (c *DeploymentsPlotCommand) Help() string {
	return "Usage: mltf deployments plot NAME -o FILE.png|FILE.svg [-last DURATION]"
}
func (c *DeploymentsPlotCommand) Run(args []string) int {
	var out string
	var last time.Duration
	fs := c.flagSet("deployments plot")
	fs.StringVar(&out, "o", "", "output file (.png or .svg)")
	fs.DurationVar(&last, "last", 0, "plot only this much of the end of the timeline, e.g. 10m")
	name, ok := c.parseWithName(fs, args, "mltf deployments plot takes the name of a deployment and -o FILE (.png or .svg)")
	if !ok {
		return cli.RunResultHelp
	}
	if out == "" {
		c.errorf("mltf deployments plot takes -o FILE (.png or .svg)")
		return 1
	}
	d, ok := c.findDeployment(name)
	if !ok {
		return 1
	}
	points, err := c.timeline(d)
	if err != nil || len(points) == 0 {
		c.errorf("%s has no timeline yet (%v): its front end writes it while it runs", d.addr, err)
		return 1
	}
	if last > 0 {
		from := points[len(points)-1].Time.Add(-last)
		i := sort.Search(len(points), func(i int) bool { return !points[i].Time.Before(from) })
		points = points[i:]
	}
	plot := &views.DeploymentPlot{Title: fmt.Sprintf("%s: model %s", d.addr, d.model()), Points: points}
	if err := views.WritePicture(out, plot); err != nil {
		c.errorf("Cannot write %s: %s", out, err)
		return 1
	}
	views.PictureWritten(c.Stdout, out, fmt.Sprintf("%s of %s", points[len(points)-1].Time.Sub(points[0].Time).Round(time.Second), d.addr))
	return 0
}

// timeline reads d's timeline: a local front end's from its directory
// (also once it stopped), another's from its admin API.
func (c *DeploymentsPlotCommand) timeline(d deploymentInstance) ([]serving.TimelinePoint, error) {
	if dir := c.deploymentDir(d); dir != "" {
		f, err := os.Open(filepath.Join(dir, serving.TimelineFile))
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return serving.ReadTimeline(f)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	fe, why := c.frontEnd(ctx, d)
	if fe == nil {
		return nil, errors.New(why)
	}
	return fe.Timeline(ctx)
}
