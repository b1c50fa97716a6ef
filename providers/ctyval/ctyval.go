package ctyval

import (
	"fmt"
	"math/big"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
)

// Decoder reads attributes of a configuration value, collecting
// diagnostics that point at the attribute at fault. Providers use it for
// their own attributes too (pool, options {}).
type Decoder struct {
	V     cty.Value
	Diags providers.Diagnostics
	// Unknown collects the paths of inputs not known yet.
	Unknown []string
}

// Errorf adds an error diagnostic at p.
func (d *Decoder) Errorf(p cty.Path, summary, detail string, args ...any) {
	d.Diags = d.Diags.AttrError(p, summary, fmt.Sprintf(detail, args...))
}

// Get is the value at p (see Get).
func (d *Decoder) Get(p cty.Path) cty.Value { return Get(d.V, p) }

// Get walks p through objects and maps (by attribute name or string
// index); a null or missing step gives
// a null value, an unknown one an unknown value.
func Get(v cty.Value, p cty.Path) cty.Value {
	for _, step := range p {
		if v.IsNull() {
			return cty.NullVal(cty.DynamicPseudoType)
		}
		if !v.IsKnown() {
			return cty.UnknownVal(cty.DynamicPseudoType)
		}
		var name string
		switch s := step.(type) {
		case cty.GetAttrStep:
			name = s.Name
		case cty.IndexStep: // a string key: a map's element, or a labelled block's
			if !s.Key.IsKnown() || s.Key.IsNull() || !s.Key.Type().Equals(cty.String) {
				return cty.NullVal(cty.DynamicPseudoType)
			}
			name = s.Key.AsString()
		default:
			return cty.NullVal(cty.DynamicPseudoType)
		}
		switch {
		case v.Type().IsObjectType():
			if !v.Type().HasAttribute(name) {
				return cty.NullVal(cty.DynamicPseudoType)
			}
			v = v.GetAttr(name)
		case v.Type().IsMapType():
			k := cty.StringVal(name)
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

// Attr is the path of nested attributes: Attr("distributed", "nodes").
func Attr(names ...string) cty.Path {
	var p cty.Path
	for _, n := range names {
		p = p.GetAttr(n)
	}
	return p
}

// Str reads a string; def when null. An unknown one is recorded.
func (d *Decoder) Str(p cty.Path, def string) string {
	v := d.Get(p)
	if !v.IsKnown() {
		d.Unknown = append(d.Unknown, schema.FormatPath(p))
		return def
	}
	if v.IsNull() || !v.Type().Equals(cty.String) {
		return def
	}
	return v.AsString()
}

// Bool reads a bool; def when null or unknown.
func (d *Decoder) Bool(p cty.Path, def bool) bool {
	v := d.Get(p)
	if !v.IsKnown() || v.IsNull() || !v.Type().Equals(cty.Bool) {
		return def
	}
	return v.True()
}

// StrList reads a list of strings. An unknown one is recorded.
func (d *Decoder) StrList(p cty.Path) []string {
	v := d.Get(p)
	if !v.IsWhollyKnown() {
		d.Unknown = append(d.Unknown, schema.FormatPath(p))
		return nil
	}
	if v.IsNull() || !v.CanIterateElements() {
		return nil
	}
	var out []string
	for i, e := range v.AsValueSlice() {
		if e.IsNull() || !e.Type().Equals(cty.String) {
			d.Errorf(p.IndexInt(i), "Invalid element", "%s must hold strings only.", schema.FormatPath(p))
			continue
		}
		out = append(out, e.AsString())
	}
	return out
}

// StrMap reads a map of strings, empty when null. An unknown one is
// recorded.
func (d *Decoder) StrMap(p cty.Path) map[string]string {
	out := map[string]string{}
	v := d.Get(p)
	if !v.IsWhollyKnown() {
		d.Unknown = append(d.Unknown, schema.FormatPath(p))
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

// MapList reads a list of string maps (tolerations).
func (d *Decoder) MapList(p cty.Path) []map[string]string {
	v := d.Get(p)
	if !v.IsWhollyKnown() {
		d.Unknown = append(d.Unknown, schema.FormatPath(p))
		return nil
	}
	if v.IsNull() || !v.CanIterateElements() {
		return nil
	}
	var out []map[string]string
	for _, e := range v.AsValueSlice() {
		m := map[string]string{}
		if !e.IsNull() && e.CanIterateElements() {
			for k, x := range e.AsValueMap() {
				if !x.IsNull() && x.Type().Equals(cty.String) {
					m[k] = x.AsString()
				}
			}
		}
		out = append(out, m)
	}
	return out
}

// Count reads a whole number of at least min; def when null or unknown.
func (d *Decoder) Count(p cty.Path, def, min int) int {
	v := d.Get(p)
	if !v.IsKnown() || v.IsNull() {
		return def
	}
	if !v.Type().Equals(cty.Number) {
		d.Errorf(p, "Invalid "+schema.FormatPath(p), "%s must be a number.", schema.FormatPath(p))
		return def
	}
	bf := v.AsBigFloat()
	i, acc := bf.Int64()
	if acc != big.Exact || i < int64(min) || i > 1<<31 {
		d.Errorf(p, "Invalid "+schema.FormatPath(p), "%s must be a whole number of at least %d, got %s.", schema.FormatPath(p), min, bf.Text('g', 10))
		return def
	}
	return int(i)
}

// Duration reads a positive duration ("5m"); def when null or unknown.
func (d *Decoder) Duration(p cty.Path, def time.Duration) time.Duration {
	v := d.Get(p)
	if !v.IsKnown() || v.IsNull() {
		return def
	}
	s := v.AsString()
	dur, err := time.ParseDuration(s)
	if err != nil || dur <= 0 {
		d.Errorf(p, "Invalid duration", `%s is %q; write a positive duration like "30s", "5m" or "1h30m".`, schema.FormatPath(p), s)
		return def
	}
	return dur
}

// Int is a known number as an int, else 0.
func Int(v cty.Value) int {
	if v.IsNull() || !v.IsKnown() || !v.Type().Equals(cty.Number) {
		return 0
	}
	i, _ := v.AsBigFloat().Int64()
	return int(i)
}

// With returns v (an object) with attributes replaced by set.
func With(v cty.Value, set map[string]cty.Value) cty.Value {
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
