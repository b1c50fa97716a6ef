package runflow

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPrivateKeepsStateForm: the private data states already hold (the
// flow's fields and a backend's locator side by side, as the kubernetes
// provider wrote them) decodes to both parts and encodes back the same.
func TestPrivateKeepsStateForm(t *testing.T) {
	old := `{"inputs":{"code":"c","command":["python3"],"env":{},"params":{"lr":0.1},"data":{},"image":"img","nodes":2,"procs_per_node":4,"backend":"nccl"},` +
		`"code":{"train.py":"ab"},"namespace":"ml","job":"mltf-mlp-1","attempt":2,"adopted":true}`
	p := DecodePrivate([]byte(old))
	if p.Inputs == nil || p.Inputs.Nodes != 2 || !p.Adopted || p.Code["train.py"] != "ab" {
		t.Fatalf("flow fields: %+v", p)
	}
	var where map[string]any
	if err := json.Unmarshal(p.Where, &where); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(map[string]any{"namespace": "ml", "job": "mltf-mlp-1", "attempt": float64(2)}, where); d != "" {
		t.Errorf("locator (-want +got):\n%s", d)
	}
	var want, got map[string]any
	json.Unmarshal([]byte(old), &want)
	json.Unmarshal(p.Encode(), &got)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("encoded again (-want +got):\n%s", d)
	}
}

// TestPrivateWithoutLocator: a backend without a locator (local) keeps the
// flow's fields alone, and empty data is the zero value.
func TestPrivateWithoutLocator(t *testing.T) {
	p := DecodePrivate([]byte(`{"reuse":"r1"}`))
	if p.Reuse != "r1" || p.Where != nil {
		t.Errorf("decoded %+v", p)
	}
	if got := string(p.Encode()); got != `{"reuse":"r1"}` {
		t.Errorf("encoded %s", got)
	}
	if z := DecodePrivate(nil); z.Inputs != nil || z.Where != nil || z.Reuse != "" {
		t.Errorf("empty: %+v", z)
	}
}
