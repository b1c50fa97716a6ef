// Command mltf-provider-example is a third-party mltf provider written
// with the SDK. It serves cluster, a kind of mltf's table, whose clusters
// are pretend ones kept as JSON files, booting for options.boot_seconds
// while reporting progress; and notebook, a kind of its own, which mltf
// then accepts under that name. docs/writing-providers.md walks through it.
//
// mltf starts it as a plugin; run by hand it says so and exits.
package main

import "github.com/mltf/mltf/providers/sdk"

func main() {
	sdk.Serve(New())
}
