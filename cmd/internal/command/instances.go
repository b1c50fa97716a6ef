package command

import (
	"sort"
)

// stateInstance is one instance of the current state: its address and
// private data.
type stateInstance struct {
	addr    string
	private []byte
}

// instancesOf reads the instances of kind in the current state, by
// address.
func (m *Meta) instancesOf(kind string) ([]stateInstance, bool) {
	st, ok := m.currentState()
	if !ok {
		return nil, false
	}
	var out []stateInstance
	for _, addr := range st.Addresses() {
		r := st.Resources[addr]
		if r.Kind != kind {
			continue
		}
		keys := make([]string, 0, len(r.Instances))
		for k := range r.Instances {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			a := addr
			if k != "" {
				a += "[" + k + "]"
			}
			out = append(out, stateInstance{addr: a, private: r.Instances[k].Private})
		}
	}
	return out, true
}
