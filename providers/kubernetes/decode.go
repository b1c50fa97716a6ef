package kubernetes

import (
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"
	ctyconvert "github.com/zclconf/go-cty/cty/convert"

	"github.com/mltf/mltf/providers"
)

// decoder reads attributes of a configuration value, collecting
// diagnostics that point at the attribute at fault.
type decoder struct {
	v     cty.Value
	diags providers.Diagnostics
	// unknown collects the paths of inputs not known yet.
	unknown []string
}

func (d *decoder) errorf(p cty.Path, summary, detail string, args ...any) {
	d.diags = d.diags.AttrError(p, summary, fmt.Sprintf(detail, args...))
}

func (d *decoder) get(p cty.Path) cty.Value { return getPath(d.v, p) }

// getPath walks p through objects and maps; a null or missing step gives
// a null value, an unknown one an unknown value.
func getPath(v cty.Value, p cty.Path) cty.Value {
	for _, step := range p {
		if v.IsNull() {
			return cty.NullVal(cty.DynamicPseudoType)
		}
		if !v.IsKnown() {
			return cty.UnknownVal(cty.DynamicPseudoType)
		}
		ga, ok := step.(cty.GetAttrStep)
		if !ok {
			return cty.NullVal(cty.DynamicPseudoType)
		}
		switch {
		case v.Type().IsObjectType():
			if !v.Type().HasAttribute(ga.Name) {
				return cty.NullVal(cty.DynamicPseudoType)
			}
			v = v.GetAttr(ga.Name)
		case v.Type().IsMapType():
			k := cty.StringVal(ga.Name)
			if !v.HasIndex(k).True() {
				return cty.NullVal(cty.DynamicPseudoType)
			}
			v = v.Index(k)
		default:
			return cty.NullVal(cty.DynamicPseudoType)
		}
	}
	return v
}

func attr(names ...string) cty.Path {
	var p cty.Path
	for _, n := range names {
		p = p.GetAttr(n)
	}
	return p
}

func (d *decoder) str(p cty.Path, def string) string {
	v := d.get(p)
	if !v.IsKnown() {
		d.unknown = append(d.unknown, pathString(p))
		return def
	}
	if v.IsNull() || !v.Type().Equals(cty.String) {
		return def
	}
	return v.AsString()
}

func (d *decoder) boolean(p cty.Path, def bool) bool {
	v := d.get(p)
	if !v.IsKnown() || v.IsNull() || !v.Type().Equals(cty.Bool) {
		return def
	}
	return v.True()
}

func (d *decoder) strList(p cty.Path) []string {
	v := d.get(p)
	if !v.IsWhollyKnown() {
		d.unknown = append(d.unknown, pathString(p))
		return nil
	}
	if v.IsNull() || !v.CanIterateElements() {
		return nil
	}
	var out []string
	for i, e := range v.AsValueSlice() {
		if e.IsNull() || !e.Type().Equals(cty.String) {
			d.errorf(p.IndexInt(i), "Invalid element", "%s must hold strings only.", pathString(p))
			continue
		}
		out = append(out, e.AsString())
	}
	return out
}

func (d *decoder) strMap(p cty.Path) map[string]string {
	out := map[string]string{}
	v := d.get(p)
	if !v.IsWhollyKnown() {
		d.unknown = append(d.unknown, pathString(p))
		return out
	}
	if v.IsNull() || !v.CanIterateElements() {
		return out
	}
	for k, e := range v.AsValueMap() {
		if !e.IsNull() && e.Type().Equals(cty.String) {
			out[k] = e.AsString()
		}
	}
	return out
}

// mapList reads a list of string maps (tolerations).
func (d *decoder) mapList(p cty.Path) []map[string]string {
	v := d.get(p)
	if !v.IsWhollyKnown() {
		d.unknown = append(d.unknown, pathString(p))
		return nil
	}
	if v.IsNull() || !v.CanIterateElements() {
		return nil
	}
	var out []map[string]string
	for i, e := range v.AsValueSlice() {
		m := map[string]string{}
		if !e.IsNull() && e.CanIterateElements() {
			for k, x := range e.AsValueMap() {
				if !x.IsNull() && x.Type().Equals(cty.String) {
					m[k] = x.AsString()
				}
			}
		}
		_ = i
		out = append(out, m)
	}
	return out
}

// count reads a whole number of at least min.
func (d *decoder) count(p cty.Path, def, min int) int {
	v := d.get(p)
	if !v.IsKnown() || v.IsNull() {
		return def
	}
	if !v.Type().Equals(cty.Number) {
		d.errorf(p, "Invalid "+pathString(p), "%s must be a number.", pathString(p))
		return def
	}
	bf := v.AsBigFloat()
	i, acc := bf.Int64()
	if acc != big.Exact || i < int64(min) || i > 1<<31 {
		d.errorf(p, "Invalid "+pathString(p), "%s must be a whole number of at least %d, got %s.", pathString(p), min, bf.Text('g', 10))
		return def
	}
	return int(i)
}

func (d *decoder) duration(p cty.Path, def time.Duration) time.Duration {
	v := d.get(p)
	if !v.IsKnown() || v.IsNull() {
		return def
	}
	s := v.AsString()
	dur, err := time.ParseDuration(s)
	if err != nil || dur <= 0 {
		d.errorf(p, "Invalid duration", `%s is %q; write a positive duration like "30s", "5m" or "1h30m".`, pathString(p), s)
		return def
	}
	return dur
}

func numInt(v cty.Value) int {
	if v.IsNull() || !v.IsKnown() || !v.Type().Equals(cty.Number) {
		return 0
	}
	i, _ := v.AsBigFloat().Int64()
	return int(i)
}

// pathString renders a path the way a user writes it: distributed.nodes.
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
			if s.Key.Type() == cty.String {
				fmt.Fprintf(&b, "[%q]", s.Key.AsString())
			} else {
				fmt.Fprintf(&b, "[%s]", s.Key.AsBigFloat().Text('f', -1))
			}
		}
	}
	return b.String()
}

// objectWith returns v (an object) with attributes replaced by set.
func objectWith(v cty.Value, set map[string]cty.Value) cty.Value {
	m := map[string]cty.Value{}
	if !v.IsNull() && v.IsKnown() {
		m = v.AsValueMap()
		if m == nil {
			m = map[string]cty.Value{}
		}
	}
	for k, x := range set {
		m[k] = x
	}
	return cty.ObjectVal(m)
}

// convertLike converts v to type t where cty can (a value read back into
// the type it had).
func convertLike(v cty.Value, t cty.Type) (cty.Value, error) {
	if v.Type().Equals(t) {
		return v, nil
	}
	return ctyconvert.Convert(v, t)
}
