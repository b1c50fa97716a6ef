package e2e

import (
	"context"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/plugin"
)

// BundledProvider starts the bundled provider name as mltf runs it: a
// plugin process of the mltf binary over gRPC. It is closed when the test
// ends.
func BundledProvider(t *testing.T, name string) providers.Interface {
	t.Helper()
	p, err := plugin.Start(context.Background(), name, []string{Binary(t), "internal-provider", name}, "", hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}
