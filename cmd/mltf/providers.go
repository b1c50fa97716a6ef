package main

import (
	"context"
	"fmt"
	"os"

	"github.com/hashicorp/go-hclog"

	"github.com/mltf/mltf/cmd/internal/command"
	"github.com/mltf/mltf/plan"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/install"
	"github.com/mltf/mltf/providers/local"
	"github.com/mltf/mltf/providers/local/launcher"
	"github.com/mltf/mltf/providers/plugin"
	"github.com/mltf/mltf/providers/registry"
)

// bundledProvider is a provider that ships with mltf: built into this
// executable (new), or an executable of its own installed beside it,
// mltf-provider-NAME (new is nil; see install.Bundled).
type bundledProvider struct {
	name string
	new  func() providers.Interface
}

// bundledProviders are the providers that ship with mltf, in the order
// mltf providers lists them. This is the one list of them. data and
// kubernetes are executables of their own: Parquet, the object stores'
// clients and client-go are most of what a process of this executable
// would otherwise load and initialise in every run (its resident memory
// at start drops from 73 to 53 MB without them), and no run of mltf that
// does not use them needs them.
func bundledProviders() []bundledProvider {
	return []bundledProvider{
		{"local", func() providers.Interface { return local.New() }},
		{"registry", func() providers.Interface { return registry.New() }},
		{"data", nil},
		{"kubernetes", nil},
	}
}

// bundledNames are the names of bundledProviders.
func bundledNames() []string {
	var names []string
	for _, b := range bundledProviders() {
		names = append(names, b.name)
	}
	return names
}

// bundled returns the entry of bundledProviders named name.
func bundled(name string) (bundledProvider, bool) {
	for _, b := range bundledProviders() {
		if b.name == name {
			return b, true
		}
	}
	return bundledProvider{}, false
}

// logger carries plugin output to stderr when MLTF_LOG names a level.
func logger() hclog.Logger {
	level := hclog.LevelFromString(os.Getenv("MLTF_LOG"))
	if level == hclog.NoLevel {
		level = hclog.Off
	}
	return hclog.New(&hclog.LoggerOptions{Name: "mltf", Level: level, Output: os.Stderr})
}

// providerFactory starts every provider as a plugin process: bundled ones
// by re-running this binary with the hidden internal-provider command, or
// from their own executable beside it.
func providerFactory(settings providers.Settings) plan.Factory {
	return func(name string) (providers.Interface, error) {
		b, ok := bundled(name)
		switch {
		case ok && b.new != nil:
			exe, err := os.Executable()
			if err != nil {
				return nil, fmt.Errorf("cannot find the mltf binary to serve provider %q: %w", name, err)
			}
			return plugin.Start(context.Background(), name, []string{exe, "internal-provider", name}, "", logger())
		case ok:
			exe, err := install.Bundled(name)
			if err != nil {
				return nil, err
			}
			return plugin.Start(context.Background(), name, []string{exe}, "", logger())
		}
		return startInstalled(settings, name)
	}
}

// serveProvider is the hidden internal-provider command.
func serveProvider(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: mltf internal-provider NAME (started by mltf itself)")
		return 1
	}
	b, ok := bundled(args[0])
	if !ok || b.new == nil {
		fmt.Fprintf(os.Stderr, "no provider named %q is built into mltf\n", args[0])
		return 1
	}
	plugin.Main(b.name, b.new())
	return 0
}

// supervise is the hidden internal-supervise command: the detached
// supervisor of a local training run.
func supervise(args []string) int { return launcher.SupervisorMain(args) }

// startInstalled starts a third-party provider installed by mltf init,
// verifying its checksum against the lock file.
func startInstalled(settings providers.Settings, name string) (providers.Interface, error) {
	path, sum, err := command.InstalledProvider(settings.WorkDir, name)
	if err != nil {
		return nil, err
	}
	return plugin.Start(context.Background(), name, []string{path}, sum, logger())
}
