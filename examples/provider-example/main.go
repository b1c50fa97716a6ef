// Command mltf-provider-example is a third-party mltf provider written
// with the SDK: it owns one kind, cluster, whose clusters are pretend
// ones kept as JSON files, booting for options.boot_seconds while
// reporting progress. docs/writing-providers.md walks through it.
//
// mltf starts it as a plugin; run by hand it says so and exits.
package main

import "github.com/mltf/mltf/providers/sdk"

func main() {
	sdk.Serve(New())
}
