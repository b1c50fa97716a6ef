// Package pluginpb is the generated Go code of the provider plugin
// protocol (provider.proto). Do not edit the .pb.go files: change the
// .proto and run scripts/genproto.sh. Code outside providers/plugin never
// uses this package: the engine sees providers.Interface.
package pluginpb
