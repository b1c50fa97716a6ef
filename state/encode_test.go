package state

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// example is the state of testdata/example.json.
func example() *State {
	s := &State{
		Serial:      7,
		Lineage:     "4b0f5a0e-8d7c-4b61-9a3e-2f1d0c9b8a77",
		MltfVersion: "0.1.0",
		Resources:   map[string]*Resource{},
		Outputs: map[string]*Output{
			"accuracy": {Value: json.RawMessage(`0.93`), Type: json.RawMessage(`"number"`)},
			"token":    {Value: json.RawMessage(`"s3cr<e>t"`), Type: json.RawMessage(`"string"`), Sensitive: true},
		},
	}
	s.SetInstance("experiment.digits", "experiment", "digits", "registry", "", &Instance{
		Status:     Ready,
		Attributes: json.RawMessage(`{"description":null,"id":"0c8e","name":"digits"}`),
	})
	s.SetInstance("training.mlp", "training", "mlp", "local", "", &Instance{
		Status:        Partial,
		SchemaVersion: 2,
		Attributes:    json.RawMessage(`{"fingerprint":"9f2c","run_id":"r-1","metrics":null}`),
		Private:       []byte(`{"pid":4242}`),
		Dependencies:  []string{"dataset.digits", "experiment.digits"},
	})
	s.SetInstance("training.served", "training", "served", "local", "", &Instance{
		Status:     Ready,
		Attributes: json.RawMessage(`{"run_id":"r-3"}`),
		Deposed: map[string]*Instance{
			"6f1c2e0a": {Status: Ready, Attributes: json.RawMessage(`{"run_id":"r-2"}`), Private: []byte(`{"pid":77}`), Dependencies: []string{"dataset.digits"}},
		},
	})
	for i, st := range []Status{Ready, Tainted, Ready} {
		s.SetInstance("training.sweep", "training", "sweep", "local", IntKey(i*5), &Instance{Status: st, Attributes: json.RawMessage(`{}`)})
	}
	s.SetInstance("dataset.each", "dataset", "each", "data", StringKey("b"), &Instance{Status: Ready})
	s.SetInstance("dataset.each", "dataset", "each", "data", StringKey("a"), &Instance{Status: Ready})
	return s
}

func TestEncodeGolden(t *testing.T) {
	got, err := Encode(example())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "example.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("Encode (-%s +got):\n%s", path, diff)
	}
	back, err := Decode(got)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(example(), back); diff != "" {
		t.Errorf("Decode(Encode(s)) (-s +decoded):\n%s", diff)
	}
}

func TestDecodeValid(t *testing.T) {
	tests := []struct {
		name string
		file string
		want func() *State
	}{
		{
			name: "empty state",
			file: "empty.json",
			want: func() *State {
				return &State{Serial: 1, Lineage: "l", Resources: map[string]*Resource{}, Outputs: map[string]*Output{}}
			},
		},
		{
			name: "hand-formatted values are compacted and unknown fields ignored",
			file: "loose.json",
			want: func() *State {
				s := &State{Serial: 3, Lineage: "l", MltfVersion: "0.1.0", Resources: map[string]*Resource{}, Outputs: map[string]*Output{}}
				s.SetInstance("experiment.e", "experiment", "e", "registry", "", &Instance{
					Status: Ready, Attributes: json.RawMessage(`{"name":"e","tags":{"a":"<b>"}}`),
				})
				s.Outputs["o"] = &Output{Value: json.RawMessage(`[1,2]`), Type: json.RawMessage(`["list","number"]`)}
				return s
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", "valid", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Decode(b)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if diff := cmp.Diff(tt.want(), got); diff != "" {
				t.Errorf("Decode (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeInvalid(t *testing.T) {
	tests := []struct {
		name, file, wantErr string
	}{
		{"not JSON", "not-json.txt", "invalid JSON at line 3, column"},
		{"truncated", "truncated.json", "not a valid mltf state document"},
		{"newer format", "newer.json", "format version 2, written by mltf 0.9.0; this mltf reads format version 1: upgrade mltf"},
		{"newer format without version", "newer-anonymous.json", "written by a newer version of mltf"},
		{"no format version", "no-format.json", "no format_version: it is not an mltf state document"},
		{"no lineage", "no-lineage.json", "it has no lineage"},
		{"wrong type", "serial-string.json", "field serial holds a JSON string"},
		{"negative serial", "serial-negative.json", "field serial holds a JSON number -1"},
		{"duplicate resource", "duplicate-resource.json", "resource training.t appears twice"},
		{"duplicate instance", "duplicate-instance.json", "instance training.t[0] appears twice"},
		{"bad status", "bad-status.json", `instance training.t has status "done"; the status is one of "ready", "partial" and "tainted"`},
		{"bad key", "bad-key.json", `instance key "01" is neither a count index`},
		{"resource without address", "no-address.json", "resource 0 has no address"},
		{"null output", "null-output.json", `output "o" is null`},
		{"bad base64", "bad-private.json", "illegal base64"},
		{"bad deposed key", "bad-deposed-key.json", `instance training.t: deposed key "old" is not eight lower-case hex digits`},
		{"duplicate deposed object", "duplicate-deposed.json", "instance training.t has the deposed object 6f1c2e0a twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", "invalid", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			_, err = Decode(b)
			if err == nil {
				t.Fatalf("Decode succeeded, want an error containing %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Decode error:\n  %v\nwant it to contain:\n  %s", err, tt.wantErr)
			}
		})
	}
}

func TestEncodeInvalid(t *testing.T) {
	tests := []struct {
		name    string
		state   func() *State
		wantErr string
	}{
		{"nil", func() *State { return nil }, "nil state"},
		{"no lineage", func() *State { s := New(); s.Lineage = ""; return s }, "without a lineage"},
		{"bad attributes", func() *State {
			s := New()
			s.SetInstance("a.b", "a", "b", "p", "", &Instance{Status: Ready, Attributes: json.RawMessage(`{`)})
			return s
		}, "cannot encode a.b: its attributes are not valid JSON"},
		{"no status", func() *State {
			s := New()
			s.SetInstance("a.b", "a", "b", "p", "", &Instance{})
			return s
		}, `instance a.b has status ""`},
		{"bad key", func() *State {
			s := New()
			s.SetInstance("a.b", "a", "b", "p", "x", &Instance{Status: Ready})
			return s
		}, `instance key "x" is neither`},
		{"address mismatch", func() *State {
			s := New()
			s.Resources["a.b"] = &Resource{Addr: "a.c", Kind: "a", Name: "c"}
			return s
		}, "resource a.c: it is stored under the address a.b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Encode(tt.state())
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Encode error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestDigest: the digest is that of what a state holds, deposed objects
// included; serial, lineage and writer do not count.
func TestDigest(t *testing.T) {
	digest := func(s *State) string {
		t.Helper()
		d, err := s.Digest()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	want := digest(example())
	if got := digest(example()); got != want {
		t.Fatalf("two digests of one state: %s, %s", got, want)
	}
	for _, tc := range []struct {
		name   string
		change func(s *State)
		same   bool
	}{
		{"serial", func(s *State) { s.Serial++ }, true},
		{"lineage", func(s *State) { s.Lineage = "another" }, true},
		{"writer", func(s *State) { s.MltfVersion = "0.2.0" }, true},
		{"deposed object added", func(s *State) {
			inst := s.Instance("experiment.digits", "")
			inst.Deposed = map[string]*Instance{"0a1b2c3d": {Status: Ready, Attributes: json.RawMessage(`{"id":"old"}`)}}
		}, false},
		{"deposed object gone", func(s *State) { s.Instance("training.served", "").Deposed = nil }, false},
		{"status", func(s *State) { s.Instance("training.mlp", "").Status = Ready }, false},
		{"instance gone", func(s *State) { s.SetInstance("dataset.each", "dataset", "each", "data", StringKey("a"), nil) }, false},
		{"output", func(s *State) { s.Outputs["accuracy"].Value = json.RawMessage(`0.94`) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := example()
			tc.change(s)
			if got := digest(s); (got == want) != tc.same {
				t.Errorf("digest %s after the change, %s before: same = %v, want %v", got, want, got == want, tc.same)
			}
		})
	}
	if _, err := (&State{Lineage: "L", Resources: map[string]*Resource{"a.b": nil}}).Digest(); err == nil {
		t.Error("a state with a nil resource has a digest")
	}
}
