package plan

import (
	"encoding/json"
	"fmt"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/state"
)

// decodeInstance reads an instance's stored attributes with the schema of
// its kind at the given schema version. An instance stored at an older
// version is upgraded first (see upgradeAttributes); one stored by a newer
// version of the kind is refused, since this provider cannot know what
// its attributes mean.
func decodeInstance(inst *state.Instance, ty cty.Type, version int64) (cty.Value, error) {
	attrs := inst.Attributes
	switch {
	case inst.SchemaVersion > version:
		return cty.NilVal, fmt.Errorf("it was stored by a newer version of the kind (schema version %d; this provider has version %d): use the mltf and provider versions that wrote it", inst.SchemaVersion, version)
	case inst.SchemaVersion < version:
		up, err := upgradeAttributes(attrs, ty)
		if err != nil {
			return cty.NilVal, fmt.Errorf("upgrading it from schema version %d to %d: %w", inst.SchemaVersion, version, err)
		}
		attrs = up
	}
	return decodeJSON(attrs, ty)
}

// upgradeAttributes is the upgrade step from an older schema version of a
// kind: attributes the kind no longer has are dropped (on objects at any
// depth), and attributes it gained are null until the provider plans them.
func upgradeAttributes(b []byte, ty cty.Type) ([]byte, error) {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	return json.Marshal(dropUnknownAttrs(v, ty))
}

func dropUnknownAttrs(v any, ty cty.Type) any {
	switch {
	case ty.IsObjectType():
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		for k, e := range m {
			if !ty.HasAttribute(k) {
				delete(m, k)
				continue
			}
			m[k] = dropUnknownAttrs(e, ty.AttributeType(k))
		}
		return m
	case ty.IsMapType():
		if m, ok := v.(map[string]any); ok {
			for k, e := range m {
				m[k] = dropUnknownAttrs(e, ty.ElementType())
			}
		}
	case ty.IsListType() || ty.IsSetType():
		if l, ok := v.([]any); ok {
			for i, e := range l {
				l[i] = dropUnknownAttrs(e, ty.ElementType())
			}
		}
	}
	return v
}
