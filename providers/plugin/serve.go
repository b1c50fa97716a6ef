package plugin

import (
	"context"
	"os"
	"runtime/pprof"
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

// Main serves p, the provider called name, as a plugin, for a provider's
// main. When MLTF_CPUPROFILE names a file, as mltf's developers set it to
// profile mltf, the plugin writes its own CPU profile beside it, to the
// file's name followed by ".NAME".
func Main(name string, p providers.Interface) {
	if path := os.Getenv("MLTF_CPUPROFILE"); path != "" {
		if f, err := os.Create(path + "." + name); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				defer pprof.StopCPUProfile()
			}
		}
	}
	Serve(p)
}
