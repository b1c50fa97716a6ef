package state

import (
	"math/big"

	"github.com/zclconf/go-cty/cty"
)

// PathStep is one step of an attribute path as state and plan files write
// it: {"attr": "env"}, {"key": "API_TOKEN"} or {"index": 0}.
type PathStep struct {
	Attr   *string  `json:"attr,omitempty"`
	String *string  `json:"key,omitempty"`
	Index  *float64 `json:"index,omitempty"`
}

// EncodePaths is the JSON form of attribute paths.
func EncodePaths(ps []cty.Path) [][]PathStep {
	var ret [][]PathStep
	for _, p := range ps {
		steps := []PathStep{}
		for _, s := range p {
			switch s := s.(type) {
			case cty.GetAttrStep:
				name := s.Name
				steps = append(steps, PathStep{Attr: &name})
			case cty.IndexStep:
				switch s.Key.Type() {
				case cty.String:
					k := s.Key.AsString()
					steps = append(steps, PathStep{String: &k})
				case cty.Number:
					f, _ := s.Key.AsBigFloat().Float64()
					steps = append(steps, PathStep{Index: &f})
				}
			}
		}
		ret = append(ret, steps)
	}
	return ret
}

// DecodePaths reads attribute paths written by EncodePaths.
func DecodePaths(ps [][]PathStep) []cty.Path {
	var ret []cty.Path
	for _, steps := range ps {
		p := cty.Path{}
		for _, s := range steps {
			switch {
			case s.Attr != nil:
				p = p.GetAttr(*s.Attr)
			case s.String != nil:
				p = p.Index(cty.StringVal(*s.String))
			case s.Index != nil:
				p = p.Index(cty.NumberVal(new(big.Float).SetFloat64(*s.Index)))
			}
		}
		ret = append(ret, p)
	}
	return ret
}
