package plugin

import (
	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/mltf/mltf/providers"
)

// Serve serves p as a plugin on stdin/stdout per go-plugin, and returns
// when mltf closes the plugin. Call it from a provider's main, or from
// mltf's hidden internal-provider subcommand. Run by hand (not by mltf),
// it prints that it is a plugin and exits with status 1.
func Serve(p providers.Interface) {
	serve(p, ProtocolVersion)
}

func serve(p providers.Interface, version uint) {
	goplugin.Serve(&goplugin.ServeConfig{
		HandshakeConfig: handshake(version),
		Plugins:         goplugin.PluginSet{pluginName: &grpcPlugin{impl: newServer(p)}},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			opts = append(opts, grpc.MaxRecvMsgSize(maxMessage), grpc.MaxSendMsgSize(maxMessage))
			return grpc.NewServer(opts...)
		},
	})
}
