package plugin

import (
	"fmt"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/msgpack"

	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers/plugin/pluginpb"
)

// encodeValue encodes v as msgpack against ty. cty.NilVal travels as an
// absent value. Marks (sensitivity) are dropped: the engine re-applies them
// from the schema.
func encodeValue(v cty.Value, ty cty.Type) (*pluginpb.DynamicValue, error) {
	dv, _, err := encodeUnmarked(v, ty)
	return dv, err
}

// encodeUnmarked is encodeValue that also returns v without its marks:
// the value the plugin sees.
func encodeUnmarked(v cty.Value, ty cty.Type) (*pluginpb.DynamicValue, cty.Value, error) {
	if v.Type() == cty.NilType {
		return nil, v, nil
	}
	b, err := msgpack.Marshal(v, ty)
	if err != nil && v.ContainsMarked() {
		// Unmarking copies the whole value: only for values that have
		// marks, which msgpack refuses (so a value it encoded has none).
		v, _ = v.UnmarkDeep()
		b, err = msgpack.Marshal(v, ty)
	}
	if err != nil {
		return nil, v, pathError(err)
	}
	return &pluginpb.DynamicValue{Msgpack: b}, v, nil
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
		return fmt.Errorf("%s: %w", schema.FormatPath(pe.Path), err)
	}
	return err
}

// FormatPath renders a cty.Path the way a user writes it in HCL:
// params.lr, pool["cpu"].slots, command[0].
