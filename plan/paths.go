package plan

import (
	"fmt"
	"strings"

	"github.com/zclconf/go-cty/cty"
)

// pathString renders a path as a user writes it: params.lr, tags["x"], pool[0].
func pathString(p cty.Path) string {
	var b strings.Builder
	for _, s := range p {
		switch s := s.(type) {
		case cty.GetAttrStep:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.Name)
		case cty.IndexStep:
			switch s.Key.Type() {
			case cty.String:
				fmt.Fprintf(&b, "[%q]", s.Key.AsString())
			case cty.Number:
				b.WriteString("[" + s.Key.AsBigFloat().Text('f', -1) + "]")
			default:
				b.WriteString("[?]")
			}
		}
	}
	return b.String()
}

// PathString renders a path as a user writes it.
func PathString(p cty.Path) string { return pathString(p) }

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

// pathHasPrefix reports whether p starts with prefix.
func pathHasPrefix(p, prefix cty.Path) bool {
	if len(prefix) > len(p) {
		return false
	}
	return p[:len(prefix)].Equals(prefix)
}
