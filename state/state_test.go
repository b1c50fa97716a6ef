package state

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSetInstance(t *testing.T) {
	inst := func(attrs string) *Instance {
		return &Instance{Status: Ready, Attributes: json.RawMessage(attrs)}
	}
	type set struct {
		addr, key string
		inst      *Instance
	}
	tests := []struct {
		name string
		sets []set
		want map[string][]string // resource address -> instance keys
	}{
		{
			name: "creates the resource",
			sets: []set{{"experiment.e", "", inst(`{}`)}},
			want: map[string][]string{"experiment.e": {""}},
		},
		{
			name: "adds instances to a resource",
			sets: []set{{"training.t", "0", inst(`{}`)}, {"training.t", "1", inst(`{}`)}},
			want: map[string][]string{"training.t": {"0", "1"}},
		},
		{
			name: "removes one instance",
			sets: []set{{"training.t", "0", inst(`{}`)}, {"training.t", "1", inst(`{}`)}, {"training.t", "0", nil}},
			want: map[string][]string{"training.t": {"1"}},
		},
		{
			name: "removes the resource with its last instance",
			sets: []set{{"training.t", `"a"`, inst(`{}`)}, {"training.t", `"a"`, nil}},
			want: map[string][]string{},
		},
		{
			name: "removing what is absent does nothing",
			sets: []set{{"training.t", "3", nil}},
			want: map[string][]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New()
			for _, st := range tt.sets {
				s.SetInstance(st.addr, "k", "n", "p", st.key, st.inst)
			}
			got := map[string][]string{}
			for addr, r := range s.Resources {
				for k := range r.Instances {
					got[addr] = append(got[addr], k)
				}
				slices.SortFunc(got[addr], compareKeys)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("resources (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInstanceLookup(t *testing.T) {
	s := New()
	want := &Instance{Status: Partial}
	s.SetInstance("training.t", "training", "t", "local", "", want)
	if got := s.Instance("training.t", ""); got != want {
		t.Errorf("Instance(training.t) = %v, want %v", got, want)
	}
	for _, miss := range [][2]string{{"training.t", "0"}, {"training.u", ""}} {
		if got := s.Instance(miss[0], miss[1]); got != nil {
			t.Errorf("Instance(%s, %q) = %v, want nil", miss[0], miss[1], got)
		}
	}
	var nilState *State
	if got := nilState.Instance("a.b", ""); got != nil {
		t.Errorf("nil state: Instance = %v, want nil", got)
	}
}

func TestDeepCopy(t *testing.T) {
	s := New()
	s.SetInstance("training.t", "training", "t", "local", "0", &Instance{
		Status: Ready, Attributes: json.RawMessage(`{"a":1}`), Private: []byte{1}, Dependencies: []string{"dataset.d"},
		Deposed: map[string]*Instance{"0000000a": {Status: Ready, Attributes: json.RawMessage(`{"a":0}`)}},
	})
	s.Outputs["o"] = &Output{Value: json.RawMessage(`1`), Type: json.RawMessage(`"number"`)}
	c := s.DeepCopy()
	if diff := cmp.Diff(s, c); diff != "" {
		t.Fatalf("copy differs (-orig +copy):\n%s", diff)
	}
	orig := s.DeepCopy()
	ci := c.Instance("training.t", "0")
	ci.Attributes[1] = 'X'
	ci.Private[0] = 9
	ci.Dependencies[0] = "changed"
	ci.Deposed["0000000a"].Attributes[1] = 'X'
	delete(ci.Deposed, "0000000a")
	c.Outputs["o"].Value[0] = '2'
	c.SetInstance("training.t", "training", "t", "local", "1", &Instance{Status: Ready})
	c.Serial = 9
	if diff := cmp.Diff(orig, s); diff != "" {
		t.Errorf("changing the copy changed the original (-before +after):\n%s", diff)
	}
	if (*State)(nil).DeepCopy() != nil {
		t.Errorf("DeepCopy of nil is not nil")
	}
}

func TestInstanceAddr(t *testing.T) {
	tests := []struct {
		name, res, key, want string
	}{
		{"no key", "experiment.e", "", "experiment.e"},
		{"count", "experiment.e", IntKey(0), "experiment.e[0]"},
		{"for_each", "experiment.e", StringKey("a"), `experiment.e["a"]`},
		{"for_each with quotes", "experiment.e", StringKey(`a"b`), `experiment.e["a\"b"]`},
		{"for_each with a template sequence", "experiment.e", StringKey("${x}"), `experiment.e["$${x}"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := InstanceAddr(tt.res, tt.key); got != tt.want {
				t.Errorf("InstanceAddr(%q, %q) = %s, want %s", tt.res, tt.key, got, tt.want)
			}
		})
	}
}

func TestKeyOrder(t *testing.T) {
	keys := []string{`"b"`, "10", "", "2", `"a"`, "0"}
	slices.SortFunc(keys, compareKeys)
	want := []string{"", "0", "2", "10", `"a"`, `"b"`}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}
