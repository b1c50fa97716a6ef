package plugin

import (
	"context"

	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/mltf/mltf/providers/plugin/pluginpb"
)

// ProtocolVersion is the version of the plugin protocol this mltf speaks.
// A plugin speaking another version is refused at the handshake.
const ProtocolVersion = 1

// pluginName is the one plugin a provider process serves.
const pluginName = "provider"

// maxMessage bounds one gRPC message: a state value of a large resource
// (a sweep with thousands of trials) stays well under it.
const maxMessage = 256 << 20

func handshake(version uint) goplugin.HandshakeConfig {
	return goplugin.HandshakeConfig{
		ProtocolVersion: version,
		// Not a security measure: it tells a user who runs a provider
		// binary by hand that mltf starts it.
		MagicCookieKey:   "MLTF_PROVIDER_PLUGIN",
		MagicCookieValue: "9d1e3c0a-mltf-provider",
	}
}

// grpcPlugin is the go-plugin glue: the server side registers the service
// for impl, the client side returns the generated client.
type grpcPlugin struct {
	goplugin.NetRPCUnsupportedPlugin
	impl *server
}

func (p *grpcPlugin) GRPCServer(_ *goplugin.GRPCBroker, s *grpc.Server) error {
	pluginpb.RegisterProviderServer(s, p.impl)
	return nil
}

func (p *grpcPlugin) GRPCClient(_ context.Context, _ *goplugin.GRPCBroker, c *grpc.ClientConn) (interface{}, error) {
	return pluginpb.NewProviderClient(c), nil
}
