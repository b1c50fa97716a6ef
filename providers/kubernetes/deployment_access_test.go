package kubernetes

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAccessServer: mltf deployments show takes the kubeconfig's context
// that reaches the API server the cluster's state recorded, when the
// current one reaches another, and says so when none does.
func TestAccessServer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kubeconfig")
	const kubeconfig = `apiVersion: v1
kind: Config
current-context: staging
clusters:
- name: staging
  cluster: {server: "https://staging.example:6443"}
- name: prod
  cluster: {server: "https://prod.example:6443/"}
contexts:
- name: staging
  context: {cluster: staging, user: me}
- name: prod
  context: {cluster: prod, user: me}
users:
- name: me
  user: {token: abc}
`
	if err := os.WriteFile(path, []byte(kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, context, server, host, err string
	}{
		{"current context", "", "", "https://staging.example:6443", ""},
		{"the recorded server's context", "", "https://prod.example:6443", "https://prod.example:6443/", ""},
		{"the named context when it matches", "prod", "https://prod.example:6443", "https://prod.example:6443/", ""},
		{"no context reaches it", "", "https://gone.example:6443", "", "none of its contexts reaches https://gone.example:6443"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Access{Kubeconfig: path, Context: tc.context, Server: tc.server}.restConfig()
			switch {
			case tc.err != "":
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("error %v, want one saying %q", err, tc.err)
				}
			case err != nil:
				t.Fatal(err)
			case cfg.Host != tc.host:
				t.Errorf("host %q, want %q", cfg.Host, tc.host)
			}
		})
	}
}
