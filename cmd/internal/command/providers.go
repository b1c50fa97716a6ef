package command

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"sort"

	"github.com/hashicorp/cli"

	"github.com/mltf/mltf/cmd/internal/views"
	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/plan"
	"github.com/mltf/mltf/providers/install"
)

// ProvidersCommand is mltf providers.
type ProvidersCommand struct{ Meta }

func (c *ProvidersCommand) Synopsis() string { return "List the providers the configuration needs" }
func (c *ProvidersCommand) Help() string {
	return "Usage: mltf providers\n       mltf providers schema -json\n\n  Lists required and bundled providers and what is installed."
}

func (c *ProvidersCommand) Run(args []string) int {
	if !c.parseNoArgs(c.flagSet("providers"), args) {
		return cli.RunResultHelp
	}
	cfg, diags := c.loadConfig()
	if diags.HasErrors() {
		c.diagView(cfg).Show(diags)
		return 1
	}
	lock, err := install.ReadLock(filepath.Join(c.WorkDir, install.LockFile))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		c.errorf("%s", err)
		return 1
	}
	used := map[string][]string{}
	for addr, r := range cfg.Resources {
		name := plan.ResourceProvider(cfg, r)
		used[name] = append(used[name], addr)
	}
	var uses []views.ProviderUse
	for _, name := range slices.Sorted(maps.Keys(used)) {
		slices.Sort(used[name])
		uses = append(uses, views.ProviderUse{Name: name, Bundled: slices.Contains(c.Bundled, name), Resources: used[name]})
	}
	var reqs []views.ProviderRequirement
	for _, r := range requirements(cfg) {
		state := "not installed: run mltf init"
		if lp, ok := lock.Providers[r.Name]; ok {
			state = "installed v" + lp.Version
			if _, _, err := install.Locate(c.WorkDir, lock, r.Name); err != nil {
				state = err.Error()
			}
		}
		reqs = append(reqs, views.ProviderRequirement{Name: r.Name, Constraint: r.Constraint, Source: r.Source, Installed: state})
	}
	views.Providers(c.Stdout, uses, reqs, c.Bundled)
	return 0
}

// ProvidersSchemaCommand is mltf providers schema.
type ProvidersSchemaCommand struct{ Meta }

func (c *ProvidersSchemaCommand) Synopsis() string { return "Print the providers' schemas" }
func (c *ProvidersSchemaCommand) Help() string     { return "Usage: mltf providers schema -json" }

func (c *ProvidersSchemaCommand) Run(args []string) int {
	var asJSON bool
	fs := c.flagSet("providers schema")
	fs.BoolVar(&asJSON, "json", false, "JSON output (required)")
	if !c.parseNoArgs(fs, args) {
		return cli.RunResultHelp
	}
	if !asJSON {
		c.errorf("mltf providers schema needs -json")
		return 1
	}
	cfg, _ := c.loadConfig()
	names := append([]string(nil), c.Bundled...)
	for _, r := range requirements(cfg) {
		names = append(names, r.Name)
	}
	sort.Strings(names)
	settings := c.settings(cfg, c.workspace())
	factory := c.providers(settings)
	out := map[string]any{}
	for _, name := range names {
		p, err := factory(name)
		if err != nil {
			c.errorf("%s", err)
			return 1
		}
		resp := p.GetSchema(context.Background())
		p.Close()
		kinds := map[string]any{}
		for k, kind := range resp.Kinds {
			kinds[k] = map[string]any{"version": kind.Version, "importable": kind.Importable, "long_running": kind.LongRunning, "block": blockJSON(kind.Block)}
		}
		out[name] = map[string]any{"provider": blockJSON(resp.Provider), "kinds": kinds}
	}
	views.ProviderSchemasJSON(c.Stdout, out)
	return 0
}

func blockJSON(b *schema.Block) map[string]any {
	if b == nil {
		return map[string]any{}
	}
	attrs := map[string]any{}
	for name, a := range b.Attributes {
		ty, _ := a.Type.MarshalJSON()
		attrs[name] = map[string]any{
			"type": json.RawMessage(ty), "description": a.Description,
			"required": a.Required, "optional": a.Optional, "computed": a.Computed, "sensitive": a.Sensitive,
		}
	}
	blocks := map[string]any{}
	for name, nb := range b.Blocks {
		nesting := map[schema.Nesting]string{schema.NestingSingle: "single", schema.NestingList: "list", schema.NestingMap: "map"}[nb.Nesting]
		blocks[name] = map[string]any{"nesting_mode": nesting, "min_items": nb.MinItems, "max_items": nb.MaxItems, "block": blockJSON(&nb.Block)}
	}
	return map[string]any{"attributes": attrs, "block_types": blocks, "description": b.Description}
}
