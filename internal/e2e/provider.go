package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/plugin"
)

// BundledProvider starts the bundled provider name as mltf runs it: a
// plugin process over gRPC, of the mltf binary or of the provider's own
// executable beside it. It is closed when the test ends.
func BundledProvider(t *testing.T, name string) providers.Interface {
	t.Helper()
	cmd := []string{Binary(t), "internal-provider", name}
	if own := filepath.Join(filepath.Dir(cmd[0]), "mltf-provider-"+name); fileExists(own) {
		cmd = []string{own}
	}
	p, err := plugin.Start(context.Background(), name, cmd, "", hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
