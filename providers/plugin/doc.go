// Package plugin runs providers as separate processes: hashicorp/go-plugin
// over gRPC with a versioned handshake and automatic mutual TLS.
//
// Serve makes a providers.Interface into a plugin (called from a
// provider's main, or from mltf's hidden internal-provider subcommand).
// Start launches a plugin binary, after checking its checksum, and returns
// a providers.Interface backed by the gRPC client (GRPCProvider), so the
// engine never sees gRPC. Values cross the wire as cty msgpack against the
// kind's implied type; schemas cross as data.
//
// The client turns every transport fault (a plugin that panics, exits,
// hangs past its deadline or answers with values that do not match its
// schema) into a diagnostic naming the provider, the call and the
// resource, with the last lines the plugin wrote to stderr. Plugin
// processes never outlive mltf: Close and CleanupClients end them, and on
// Linux the kernel kills them when mltf dies.
//
// This package does not install or locate providers (see providers/install)
// and knows nothing of the engine.
package plugin
