package kubernetes

import (
	"github.com/zclconf/go-cty/cty"
	ctyconvert "github.com/zclconf/go-cty/cty/convert"
)

// convertLike converts v to type t where cty can (a value read back into
// the type it had).
func convertLike(v cty.Value, t cty.Type) (cty.Value, error) {
	if v.Type().Equals(t) {
		return v, nil
	}
	return ctyconvert.Convert(v, t)
}
