// Package sdk is how a provider is written: declare its kinds with their
// schemas and the functions of their lifecycle (Create, Read, Update,
// Delete, Import, and optional Validate and Plan hooks), then call Serve
// from main. The SDK plans changes the usual way (computed attributes
// unknown until apply, ReplaceOn paths forcing a new instance, reasons in
// the user's words), checks what the functions return against the
// schema, and carries Stop and cancellation into their contexts.
//
// *Provider implements providers.Interface, so the same value runs
// in-process in tests and behind the plugin protocol (Serve). The SDK
// knows nothing of the engine, of state files or of gRPC.
package sdk
