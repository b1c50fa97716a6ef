// Command mltf-provider-kubernetes is the kubernetes provider that ships
// with mltf: clusters, and trainings, sweeps, pipelines and deployments on
// them (see docs/kubernetes.md). mltf starts it as a plugin from beside
// its own executable; it is an executable of its own because it links
// client-go and the Kubernetes API types, which the mltf command need not
// load in every run.
//
//	mltf-provider-kubernetes                  (started by mltf as a plugin)
//	mltf-provider-kubernetes front-end-proxy  (started by mltf deployments)
package main

import (
	"os"

	"github.com/mltf/mltf/providers/kubernetes"
	"github.com/mltf/mltf/providers/plugin"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == kubernetes.FrontEndProxyCommand {
		os.Exit(kubernetes.FrontEndProxyMain(os.Stdin, os.Stdout))
	}
	plugin.Main("kubernetes", kubernetes.New())
}
