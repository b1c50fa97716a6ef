package views

import "github.com/zclconf/go-cty/cty"

// cnil is the absent value.
var cnil = cty.NilVal
