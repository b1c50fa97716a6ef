package command

import (
	"context"
	"sort"
	"strings"

	"github.com/hashicorp/cli"
	"github.com/hashicorp/hcl/v2"

	"github.com/mltf/mltf/cmd/internal/views"
	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/plan"
	"github.com/mltf/mltf/state/store"
)

// VersionCommand is mltf version.
type VersionCommand struct{ Meta }

func (c *VersionCommand) Synopsis() string { return "Print the mltf version" }
func (c *VersionCommand) Help() string {
	return "Usage: mltf version [-json]\n\n  Prints the mltf version; -json prints {\"format_version\", \"mltf_version\"}."
}
func (c *VersionCommand) Run(args []string) int {
	var asJSON bool
	fs := c.flagSet("version")
	fs.BoolVar(&asJSON, "json", false, "Print machine-readable JSON.")
	if !c.parseNoArgs(fs, args) {
		return cli.RunResultHelp
	}
	if asJSON {
		views.VersionJSON(c.Stdout, Version)
		return 0
	}
	views.Version(c.Stdout, Version)
	return 0
}

// ForceUnlockCommand is mltf force-unlock.
type ForceUnlockCommand struct{ Meta }

func (c *ForceUnlockCommand) Synopsis() string { return "Release a stuck state lock" }
func (c *ForceUnlockCommand) Help() string {
	return "Usage: mltf force-unlock LOCK_ID\n\n  Removes the lock with LOCK_ID. Use it only when the holder is gone; the error that reported the lock names the id."
}
func (c *ForceUnlockCommand) Run(args []string) int {
	args, ok := c.parseArgs(c.flagSet("force-unlock"), args)
	if !ok {
		return cli.RunResultHelp
	}
	if len(args) != 1 {
		c.errorf("mltf force-unlock takes the lock id, as printed in the lock error")
		return 1
	}
	return c.withStore(func(ctx context.Context, st *store.Store, ws string) int {
		if err := st.ForceUnlock(ctx, ws, args[0]); err != nil {
			c.errorf("Cannot unlock\n\n%s", err)
			return 1
		}
		views.Unlocked(c.Stdout)
		return 0
	})
}

// GraphCommand is mltf graph.
type GraphCommand struct{ Meta }

func (c *GraphCommand) Synopsis() string { return "Print the dependency graph in DOT" }
func (c *GraphCommand) Help() string {
	return "Usage: mltf graph\n\n  Prints the dependency graph for Graphviz: mltf graph | dot -Tsvg > graph.svg"
}
func (c *GraphCommand) Run(args []string) int {
	if !c.parseNoArgs(c.flagSet("graph"), args) {
		return cli.RunResultHelp
	}
	cfg, diags := c.loadConfig()
	if diags.HasErrors() {
		c.diagView(cfg).Show(diags)
		return 1
	}
	settings := c.settings(cfg, c.workspace())
	provs := plan.NewProviders(c.providers(settings), settings).Offer(c.Bundled...)
	defer provs.Close()
	edges, diags := plan.Edges(context.Background(), cfg, provs)
	if diags.HasErrors() {
		c.diagView(cfg).Show(diags)
		return 1
	}
	g := views.Graph{Edges: edges, Inner: innerGraphs(cfg)}
	for n := range edges {
		g.Nodes = append(g.Nodes, n)
	}
	sort.Strings(g.Nodes)
	views.GraphDot(c.Stdout, g)
	return 0
}

// innerGraphs are the graphs inside resources whose kind binds names of its
// own (a pipeline's steps): its blocks of that name as nodes, and an edge
// for each reference of theirs to a sibling or to a resource.
func innerGraphs(cfg *lang.Config) []views.InnerGraph {
	var out []views.InnerGraph
	addrs := make([]string, 0, len(cfg.Resources))
	for a := range cfg.Resources {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	for _, addr := range addrs {
		r := cfg.Resources[addr]
		k, _ := cfg.Kinds.Lookup(r.Kind)
		for _, root := range k.Scope {
			content, _, _ := r.Config.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: root, LabelNames: []string{"name"}}}})
			if len(content.Blocks) == 0 {
				continue
			}
			g := views.InnerGraph{Addr: addr}
			for _, b := range content.Blocks {
				node := root + "/" + b.Labels[0]
				g.Nodes = append(g.Nodes, node)
				attrs, _ := b.Body.JustAttributes()
				seen := map[string]bool{}
				for _, a := range attrs {
					for _, t := range a.Expr.Variables() {
						to := ""
						if t.RootName() == root && len(t) > 1 {
							if at, ok := t[1].(hcl.TraverseAttr); ok {
								to = addr + "/" + root + "/" + at.Name
							}
						} else if ref, ok := cfg.ParseRef(t); ok && ref.Resource.Kind != "" {
							to = ref.Resource.String()
						}
						if to != "" && !seen[to] {
							seen[to] = true
							g.Edges = append(g.Edges, [2]string{addr + "/" + node, to})
						}
					}
				}
			}
			sort.Strings(g.Nodes)
			sort.Slice(g.Edges, func(i, j int) bool { return g.Edges[i][0]+g.Edges[i][1] < g.Edges[j][0]+g.Edges[j][1] })
			out = append(out, g)
		}
	}
	return out
}

// WorkspaceCommand is mltf workspace.
type WorkspaceCommand struct {
	Meta
	Sub string // list, new, select, delete, show; "" prints help
}

func (c *WorkspaceCommand) Synopsis() string {
	switch c.Sub {
	case "list":
		return "List workspaces"
	case "new":
		return "Create a workspace and select it"
	case "select":
		return "Select a workspace"
	case "delete":
		return "Delete a workspace"
	case "show":
		return "Show the selected workspace"
	}
	return "Manage workspaces: separate states of one configuration"
}
func (c *WorkspaceCommand) Help() string {
	return strings.TrimSpace(`
Usage: mltf workspace <list|new NAME|select NAME|delete [-force] NAME|show>

  Each workspace has its own state under the same configuration. The
  selection is kept in .mltf/environment; MLTF_WORKSPACE overrides it.
`)
}

func (c *WorkspaceCommand) Run(args []string) int {
	force := false
	fs := c.flagSet("workspace " + c.Sub)
	if c.Sub == "delete" {
		fs.BoolVar(&force, "force", false, "delete a workspace that still has resources")
	}
	args, ok := c.parseArgs(fs, args)
	if !ok {
		return cli.RunResultHelp
	}
	switch c.Sub {
	case "":
		return cli.RunResultHelp
	case "show", "list":
		if len(args) > 0 {
			c.errorf("mltf workspace %s takes no arguments", c.Sub)
			return cli.RunResultHelp
		}
	}
	switch c.Sub {
	case "show":
		views.Lines(c.Stdout, []string{c.workspace()})
		return 0
	case "list":
		return c.withStore(func(ctx context.Context, st *store.Store, cur string) int {
			wss, err := st.Workspaces(ctx)
			if err != nil {
				c.errorf("%s", err)
				return 1
			}
			views.Workspaces(c.Stdout, wss, cur)
			return 0
		})
	}
	if len(args) != 1 {
		c.errorf("mltf workspace %s takes a workspace name", c.Sub)
		return 1
	}
	name := args[0]
	if !validWorkspace(name) {
		c.errorf("Invalid workspace name %q\n\nA workspace name holds letters, digits, dashes and underscores.", name)
		return 1
	}
	return c.withStore(func(ctx context.Context, st *store.Store, cur string) int {
		wss, err := st.Workspaces(ctx)
		if err != nil {
			c.errorf("%s", err)
			return 1
		}
		exists := false
		for _, ws := range wss {
			exists = exists || ws == name
		}
		switch c.Sub {
		case "new":
			if exists {
				c.errorf("Workspace %q already exists; select it with mltf workspace select %s", name, name)
				return 1
			}
			if err := st.CreateWorkspace(ctx, name); err != nil {
				c.errorf("%s", err)
				return 1
			}
			if err := c.setWorkspace(name); err != nil {
				c.errorf("%s", err)
				return 1
			}
			views.WorkspaceChanged(c.Stdout, "Created and switched to", name)
		case "select":
			if !exists {
				c.errorf("Workspace %q does not exist; create it with mltf workspace new %s", name, name)
				return 1
			}
			if err := c.setWorkspace(name); err != nil {
				c.errorf("%s", err)
				return 1
			}
			views.WorkspaceChanged(c.Stdout, "Switched to", name)
		case "delete":
			if name == cur {
				c.errorf("Workspace %q is selected; select another one before deleting it", name)
				return 1
			}
			if !exists {
				c.errorf("Workspace %q does not exist", name)
				return 1
			}
			var opts []store.DeleteOption
			if force {
				opts = append(opts, store.Force())
			}
			if err := st.DeleteWorkspace(ctx, name, opts...); err != nil {
				c.errorf("%s", err)
				return 1
			}
			views.WorkspaceChanged(c.Stdout, "Deleted", name)
		default:
			return 1
		}
		return 0
	})
}

func validWorkspace(s string) bool {
	if s == "" || len(s) > 90 {
		return false
	}
	for _, r := range s {
		if !(r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
