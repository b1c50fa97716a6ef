package plugin

import (
	"context"
	"sync"

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
	serveServer(newServer(p), version)
}

func serveServer(srv *server, version uint) {
	var once sync.Once
	restore := directStderr()
	first := func() { once.Do(restore) }
	goplugin.Serve(&goplugin.ServeConfig{
		HandshakeConfig: handshake(version),
		Plugins:         goplugin.PluginSet{pluginName: &grpcPlugin{impl: srv}},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			opts = append(opts, grpc.MaxRecvMsgSize(maxMessage), grpc.MaxSendMsgSize(maxMessage),
				grpc.ChainUnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
					first()
					return h(ctx, req)
				}),
				grpc.ChainStreamInterceptor(func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
					first()
					return h(srv, ss)
				}))
			return grpc.NewServer(opts...)
		},
	})
}
