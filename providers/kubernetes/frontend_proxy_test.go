package kubernetes

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestFrontEndProxyBadRequest: the proxy answers a request it cannot use
// with one JSON line that says why, as mltf deployments reads it.
func TestFrontEndProxyBadRequest(t *testing.T) {
	for _, in := range []string{"", "not json\n", `{"Kubeconfig": "/nonexistent/kubeconfig", "Address": "deployment.x", "Namespace": "ns"}` + "\n"} {
		var out bytes.Buffer
		if code := FrontEndProxyMain(strings.NewReader(in), &out); code != 1 {
			t.Errorf("%q: exit %d, want 1", in, code)
		}
		var a FrontEndProxyAnswer
		if err := json.Unmarshal(out.Bytes(), &a); err != nil || a.Error == "" || a.Addr != "" {
			t.Errorf("%q: answer %q, want one line with an error", in, out.String())
		}
	}
}
