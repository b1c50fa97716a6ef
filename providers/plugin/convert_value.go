package plugin

import (
	"fmt"
	"strings"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/msgpack"

	"github.com/mltf/mltf/providers/plugin/pluginpb"
)

// encodeValue encodes v as msgpack against ty. cty.NilVal travels as an
// absent value. Marks (sensitivity) are dropped: the engine re-applies them
// from the schema.
func encodeValue(v cty.Value, ty cty.Type) (*pluginpb.DynamicValue, error) {
	if v.Type() == cty.NilType {
		return nil, nil
	}
	v, _ = v.UnmarkDeep()
	b, err := msgpack.Marshal(v, ty)
	if err != nil {
		return nil, pathError(err)
	}
	return &pluginpb.DynamicValue{Msgpack: b}, nil
}

// decodeValue is the inverse of encodeValue.
func decodeValue(dv *pluginpb.DynamicValue, ty cty.Type) (cty.Value, error) {
	if dv == nil || len(dv.Msgpack) == 0 {
		return cty.NilVal, nil
	}
	v, err := msgpack.Unmarshal(dv.Msgpack, ty)
	if err != nil {
		return cty.NilVal, pathError(err)
	}
	return v, nil
}

// pathError rewrites a cty.PathError so that its message names the
// attribute: `pool["cpu"].slots: a number is required`.
func pathError(err error) error {
	if pe, ok := err.(cty.PathError); ok && len(pe.Path) > 0 {
		return fmt.Errorf("%s: %w", FormatPath(pe.Path), err)
	}
	return err
}

// FormatPath renders a cty.Path the way a user writes it in HCL:
// params.lr, pool["cpu"].slots, command[0].
func FormatPath(p cty.Path) string {
	var b strings.Builder
	for _, step := range p {
		switch s := step.(type) {
		case cty.GetAttrStep:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.Name)
		case cty.IndexStep:
			switch {
			case s.Key.IsNull() || !s.Key.IsKnown():
				b.WriteString("[?]")
			case s.Key.Type() == cty.String:
				fmt.Fprintf(&b, "[%q]", s.Key.AsString())
			case s.Key.Type() == cty.Number:
				fmt.Fprintf(&b, "[%s]", s.Key.AsBigFloat().Text('f', -1))
			default:
				b.WriteString("[?]")
			}
		}
	}
	return b.String()
}
