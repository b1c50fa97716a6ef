// Command mltf is Terraform for the machine-learning lifecycle. This file
// only wires the commands together.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"

	"github.com/hashicorp/cli"

	"github.com/mltf/mltf/cmd/internal/command"
	"github.com/mltf/mltf/providers/plugin"
	"github.com/mltf/mltf/serving"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	// Hidden subcommands run before -chdir and the CLI: they are how mltf
	// serves its bundled providers, supervises training ranks and runs
	// deployments' front ends.
	if len(args) > 0 {
		switch args[0] {
		case "internal-provider":
			return serveProvider(args[1:])
		case "internal-supervise":
			return supervise(args[1:])
		case "internal-serve":
			return serving.Main(args[1:])
		}
	}
	defer plugin.CleanupClients()
	if path := os.Getenv("MLTF_CPUPROFILE"); path != "" {
		// For mltf's developers: a CPU profile of this process.
		if f, err := os.Create(path); err == nil {
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	if path := os.Getenv("MLTF_MEMPROFILE"); path != "" {
		// For mltf's developers: the heap of this process as it ends,
		// sampled finely.
		runtime.MemProfileRate = 4096
		defer writeHeapProfile(path)
	}
	workDir, args, err := chdir(args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error: %s\n", err)
		return 1
	}
	deps := command.Deps{
		Stdin:     os.Stdin,
		Stdout:    os.Stdout,
		Stderr:    os.Stderr,
		WorkDir:   workDir,
		Providers: providerFactory,
		Bundled:   bundledNames(),
		Environ:   os.Environ(),
	}
	c := cli.NewCLI("mltf", command.Version)
	c.Args = args
	c.Commands = command.All(deps)
	c.HiddenCommands = []string{"internal-provider", "internal-supervise", "internal-serve"}
	c.Autocomplete = true
	c.AutocompleteInstall = "install-autocomplete"
	c.AutocompleteUninstall = "uninstall-autocomplete"
	c.HelpWriter = os.Stdout
	c.ErrorWriter = os.Stderr
	if command.UnknownCommand(os.Stderr, args, c.Commands, c.HiddenCommands) {
		return 127
	}
	code, err := c.Run()
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error: %s\n", err)
		return 1
	}
	return code
}

// chdir handles -chdir=DIR before the command name.
func chdir(args []string) (string, []string, error) {
	dir := "."
	if len(args) > 0 && strings.HasPrefix(args[0], "-chdir") {
		v, ok := strings.CutPrefix(args[0], "-chdir=")
		if !ok {
			if len(args) < 2 {
				return "", nil, fmt.Errorf("-chdir needs a directory: mltf -chdir=DIR COMMAND")
			}
			v, args = args[1], args[1:]
		}
		dir, args = v, args[1:]
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", nil, err
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return "", nil, fmt.Errorf("-chdir: %s is not a directory", dir)
	}
	return abs, args, nil
}

func writeHeapProfile(path string) {
	f, err := os.Create(path)
	if err != nil {
		return
	}
	defer f.Close()
	_ = pprof.Lookup("heap").WriteTo(f, 0)
}
