package state

// UnwrapDynamic turns cty JSON's {"value": V, "type": T} (how values of
// dynamically typed attributes are stored in Instance.Attributes) into V,
// at any depth of a decoded JSON value, for readers that show attributes
// without their schema.
func UnwrapDynamic(v any) any {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 2 {
			if val, ok := t["value"]; ok {
				if _, ok := t["type"]; ok {
					return UnwrapDynamic(val)
				}
			}
		}
		for k, e := range t {
			t[k] = UnwrapDynamic(e)
		}
		return t
	case []any:
		for i, e := range t {
			t[i] = UnwrapDynamic(e)
		}
		return t
	}
	return v
}
