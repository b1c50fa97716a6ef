package main

import (
	"fmt"
	"os"

	"github.com/mltf/mltf/plan"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/registry"
)

// bundled returns a new instance of a provider built into mltf.
func bundled(name string) (providers.Interface, bool) {
	switch name {
	case "registry":
		return registry.New(), true
	}
	return nil, false
}

func providerFactory(settings providers.Settings) plan.Factory {
	return func(name string) (providers.Interface, error) {
		if p, ok := bundled(name); ok {
			return p, nil
		}
		return nil, fmt.Errorf("no provider named %q is bundled with mltf or installed; declare it in required_providers and run mltf init", name)
	}
}

func serveProvider(args []string) int {
	fmt.Fprintln(os.Stderr, "internal-provider is not available in this build")
	return 1
}

func supervise(args []string) int {
	fmt.Fprintln(os.Stderr, "internal-supervise is not available in this build")
	return 1
}
