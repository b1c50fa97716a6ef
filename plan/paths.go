package plan

import (
	"github.com/zclconf/go-cty/cty"
)

// pathValue returns the value at p in v, or cty.NilVal when it is absent.
func pathValue(v cty.Value, p cty.Path) cty.Value {
	got, err := p.Apply(v)
	if err != nil {
		return cty.NilVal
	}
	return got
}

// pathChanged reports whether the value at p differs between a and b,
// counting an unknown value as a change.
func pathChanged(a, b cty.Value, p cty.Path) bool {
	av, bv := pathValue(a, p), pathValue(b, p)
	if av == cty.NilVal || bv == cty.NilVal {
		return av != bv
	}
	if !bv.IsWhollyKnown() || !av.IsWhollyKnown() {
		return true
	}
	return !av.RawEquals(bv)
}
