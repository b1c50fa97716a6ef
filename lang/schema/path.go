package schema

import (
	"fmt"
	"strings"

	"github.com/zclconf/go-cty/cty"
)

// FormatPath renders an attribute path the way a user writes it in HCL:
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

// StepName is the attribute name or string key of a step. Paths compare
// obj.k and obj["k"] alike: a provider may plan a map where the
// configuration had an object.
func StepName(s cty.PathStep) (string, bool) {
	switch s := s.(type) {
	case cty.GetAttrStep:
		return s.Name, true
	case cty.IndexStep:
		if s.Key.Type() == cty.String && s.Key.IsKnown() && !s.Key.IsNull() {
			return s.Key.AsString(), true
		}
	}
	return "", false
}

// StepIndex is the whole-number index of a step.
func StepIndex(s cty.PathStep) (int, bool) {
	is, ok := s.(cty.IndexStep)
	if !ok || is.Key.Type() != cty.Number || !is.Key.IsKnown() || is.Key.IsNull() {
		return 0, false
	}
	i, acc := is.Key.AsBigFloat().Int64()
	return int(i), acc == 0
}

// PathWithin reports whether p is prefix or lies under it, comparing
// attribute names and string keys alike.
func PathWithin(p, prefix cty.Path) bool {
	if len(prefix) > len(p) {
		return false
	}
	for i, s := range prefix {
		if n, ok := StepName(s); ok {
			if m, ok := StepName(p[i]); !ok || m != n {
				return false
			}
			continue
		}
		if n, ok := StepIndex(s); ok {
			if m, ok := StepIndex(p[i]); !ok || m != n {
				return false
			}
			continue
		}
		if !(cty.Path{s}).Equals(cty.Path{p[i]}) {
			return false
		}
	}
	return true
}

// HideJSON replaces the value at p in a decoded JSON document (maps,
// slices, scalars) with hidden, and returns the document. A path that
// goes through a scalar hides that scalar; a null stays null.
func HideJSON(v any, p cty.Path, hidden any) any {
	if v == nil {
		return nil
	}
	if len(p) == 0 {
		return hidden
	}
	switch t := v.(type) {
	case map[string]any:
		if k, ok := StepName(p[0]); ok {
			if e, ok := t[k]; ok {
				t[k] = HideJSON(e, p[1:], hidden)
			}
			return t
		}
	case []any:
		if i, ok := StepIndex(p[0]); ok && i >= 0 && i < len(t) {
			t[i] = HideJSON(t[i], p[1:], hidden)
			return t
		}
	}
	return hidden
}
