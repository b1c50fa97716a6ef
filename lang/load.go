package lang

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/mltf/mltf/kinds"
)

// FileSuffix is the suffix of configuration files.
const FileSuffix = ".mltf.hcl"

// LoadDir loads every *.mltf.hcl file in dir. kindTable says which block
// types declare resources, once the mltf {} settings are known.
func LoadDir(dir string, kindTable KindTable) (*Config, hcl.Diagnostics) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read the configuration directory",
			Detail:   err.Error(),
		}}
	}
	sources := map[string][]byte{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), FileSuffix) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read a configuration file", Detail: err.Error()}}
		}
		sources[e.Name()] = b
	}
	if len(sources) == 0 {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "No configuration files",
			Detail:   fmt.Sprintf("The directory %s holds no *%s files. Write one, or run mltf with -chdir=DIR pointing at your configuration.", dir, FileSuffix),
		}}
	}
	return LoadSources(dir, sources, kindTable)
}

// LoadSources loads a configuration from file contents by name, as a saved
// plan carries them. dir is where relative paths resolve.
func LoadSources(dir string, sources map[string][]byte, kindTable KindTable) (*Config, hcl.Diagnostics) {
	cfg := &Config{
		Dir:       dir,
		Files:     map[string]*hcl.File{},
		Sources:   sources,
		Variables: map[string]*Variable{},
		Locals:    map[string]*Local{},
		Outputs:   map[string]*Output{},
		Providers: map[string]*ProviderConfig{},
		Resources: map[string]*Resource{},
	}
	names := make([]string, 0, len(sources))
	for n := range sources {
		names = append(names, n)
	}
	sort.Strings(names)

	var diags hcl.Diagnostics
	var files []*hcl.File
	for _, name := range names {
		f, ds := parseFile(sources[name], name)
		diags = append(diags, ds...)
		if f == nil {
			continue
		}
		cfg.Files[name] = f
		files = append(files, f)
	}
	// The mltf {} blocks come first: the providers they require may
	// serve kinds of their own, which the other blocks use.
	for _, f := range files {
		diags = append(diags, cfg.decodeSettings(f)...)
	}
	if cfg.Settings == nil {
		cfg.Settings = &Settings{}
	}
	table, ds := kindTable(cfg.Settings)
	diags = append(diags, ds...)
	cfg.Kinds = table
	schema := fileSchema(table)
	for _, f := range files {
		diags = append(diags, cfg.decodeFile(f, schema)...)
	}
	return cfg, diags
}

// fileSchema is the schema of a file's top level: the language's own
// blocks and one block type per kind.
func fileSchema(table kinds.Table) *hcl.BodySchema {
	s := &hcl.BodySchema{
		Blocks: []hcl.BlockHeaderSchema{
			{Type: "mltf"},
			{Type: "variable", LabelNames: []string{"name"}},
			{Type: "locals"},
			{Type: "output", LabelNames: []string{"name"}},
			{Type: "provider", LabelNames: []string{"name"}},
		},
	}
	for _, name := range table.Names() {
		s.Blocks = append(s.Blocks, hcl.BlockHeaderSchema{Type: name, LabelNames: []string{"name"}})
	}
	return s
}

// decodeSettings decodes the mltf {} blocks of f. Blocks with labels are
// left to decodeFile, which reports them.
func (c *Config) decodeSettings(f *hcl.File) hcl.Diagnostics {
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return nil
	}
	var diags hcl.Diagnostics
	for _, sb := range body.Blocks {
		if sb.Type != "mltf" || len(sb.Labels) > 0 {
			continue
		}
		b := sb.AsHCLBlock()
		s, ds := decodeSettings(b)
		diags = append(diags, ds...)
		if c.Settings != nil {
			diags = append(diags, duplicate("mltf block", "", c.Settings.DeclRange, b.DefRange))
			continue
		}
		c.Settings = s
	}
	return diags
}

func (c *Config) decodeFile(f *hcl.File, schema *hcl.BodySchema) hcl.Diagnostics {
	content, diags := f.Body.Content(schema)
	for _, b := range content.Blocks {
		if len(b.Labels) > 0 {
			diags = append(diags, checkName(b.Labels[0], b.Type, b.LabelRanges[0])...)
		}
		switch b.Type {
		case "mltf":
			// decoded by decodeSettings
		case "variable":
			v, ds := decodeVariable(b)
			diags = append(diags, ds...)
			if prev, ok := c.Variables[v.Name]; ok {
				diags = append(diags, duplicate("variable", v.Name, prev.DeclRange, b.DefRange))
				continue
			}
			c.Variables[v.Name] = v
		case "locals":
			attrs, ds := b.Body.JustAttributes()
			diags = append(diags, ds...)
			for name, a := range attrs {
				diags = append(diags, checkName(name, "local value", a.NameRange)...)
				if prev, ok := c.Locals[name]; ok {
					diags = append(diags, duplicate("local value", name, prev.DeclRange, a.NameRange))
					continue
				}
				c.Locals[name] = &Local{Name: name, Expr: a.Expr, DeclRange: a.Range}
			}
		case "output":
			o, ds := c.decodeOutput(b)
			diags = append(diags, ds...)
			if prev, ok := c.Outputs[o.Name]; ok {
				diags = append(diags, duplicate("output", o.Name, prev.DeclRange, b.DefRange))
				continue
			}
			c.Outputs[o.Name] = o
		case "provider":
			p := &ProviderConfig{Name: b.Labels[0], Config: b.Body, DeclRange: b.DefRange}
			if prev, ok := c.Providers[p.Name]; ok {
				diags = append(diags, duplicate("provider configuration", p.Name, prev.DeclRange, b.DefRange))
				continue
			}
			c.Providers[p.Name] = p
		default:
			r, ds := c.decodeResource(b)
			diags = append(diags, ds...)
			if r == nil {
				continue
			}
			key := r.Addr().String()
			if prev, ok := c.Resources[key]; ok {
				diags = append(diags, duplicate(r.Kind, r.Name, prev.DeclRange, b.DefRange))
				continue
			}
			c.Resources[key] = r
		}
	}
	return diags
}

func duplicate(what, name string, prev, this hcl.Range) *hcl.Diagnostic {
	label := what
	if name != "" {
		label = fmt.Sprintf("%s %q", what, name)
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Duplicate " + what,
		Detail:   fmt.Sprintf("The %s was already declared at %s. Each name must be unique; rename or remove one of them.", label, prev),
		Subject:  this.Ptr(),
	}
}

// checkName rejects names that cannot be used in references.
func checkName(name, what string, rng hcl.Range) hcl.Diagnostics {
	if validName(name) {
		return nil
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Invalid name",
		Detail:   fmt.Sprintf("The name %q of this %s is not valid: a name starts with a letter or underscore and holds only letters, digits, underscores and dashes.", name, what),
		Subject:  rng.Ptr(),
	}}
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'):
		case i > 0 && (r == '-' || (r >= '0' && r <= '9')):
		default:
			return false
		}
	}
	return true
}
