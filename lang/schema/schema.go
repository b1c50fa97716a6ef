package schema

import (
	"sort"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// Block is the schema of a block body: its attributes and nested blocks.
type Block struct {
	Attributes  map[string]*Attribute
	Blocks      map[string]*NestedBlock
	Description string
}

// Attribute is one attribute of a block.
type Attribute struct {
	Type        cty.Type
	Description string

	// Exactly one of Required, Optional and Computed holds, except that an
	// attribute may be both Optional and Computed: the provider fills it in
	// when the configuration leaves it out.
	Required bool
	Optional bool
	Computed bool

	Sensitive bool

	// Expression marks an attribute that the provider evaluates itself,
	// later, with values only it knows (a model gate's condition refers
	// to self.candidate and self.current). Its Type must be
	// cty.DynamicPseudoType. The engine does not evaluate it: it passes an
	// object (see ExpressionValue) with the source text and the values of
	// everything the expression refers to besides self.
	Expression bool
}

// ExpressionValue is how the engine hands an Expression attribute to a
// provider: the source text, where it was written, and the values of the
// expression's references other than self (by root name: "var",
// "training", "local"...).
func ExpressionValue(source, filename string, line, column int, scope map[string]cty.Value) cty.Value {
	sc := cty.EmptyObjectVal
	if len(scope) > 0 {
		sc = cty.ObjectVal(scope)
	}
	return cty.ObjectVal(map[string]cty.Value{
		"source":   cty.StringVal(source),
		"filename": cty.StringVal(filename),
		"line":     cty.NumberIntVal(int64(line)),
		"column":   cty.NumberIntVal(int64(column)),
		"scope":    sc,
	})
}

// Nesting says how many times a nested block may appear and how its values
// are collected.
type Nesting int

const (
	// NestingSingle is a block that appears at most once; its value is an
	// object, or null when absent.
	NestingSingle Nesting = iota
	// NestingList is a block that may repeat; its value is a list of objects.
	NestingList
	// NestingMap is a block with one label that may repeat with distinct
	// labels; its value is a map of objects by label, e.g. pool "cpu" {}.
	NestingMap
)

// NestedBlock is a block type allowed inside a Block.
type NestedBlock struct {
	Block
	Nesting  Nesting
	MinItems int
	MaxItems int
}

// ImpliedType is the cty object type of a value conforming to the block.
func (b *Block) ImpliedType() cty.Type {
	if b == nil {
		return cty.EmptyObject
	}
	atys := make(map[string]cty.Type, len(b.Attributes)+len(b.Blocks))
	for name, a := range b.Attributes {
		atys[name] = a.Type
	}
	for name, nb := range b.Blocks {
		ety := nb.Block.ImpliedType()
		switch nb.Nesting {
		case NestingSingle:
			atys[name] = ety
		case NestingList:
			if nb.Block.hasDynamic() {
				atys[name] = cty.DynamicPseudoType // decoded as a tuple
			} else {
				atys[name] = cty.List(ety)
			}
		case NestingMap:
			if nb.Block.hasDynamic() {
				atys[name] = cty.DynamicPseudoType // decoded as an object
			} else {
				atys[name] = cty.Map(ety)
			}
		}
	}
	return cty.Object(atys)
}

// DecoderSpec is the hcldec spec that decodes a configuration body for the
// block. Computed-only attributes are not accepted in configuration.
func (b *Block) DecoderSpec() hcldec.Spec {
	ret := hcldec.ObjectSpec{}
	if b == nil {
		return ret
	}
	for name, a := range b.Attributes {
		if a.Computed && !a.Optional {
			continue
		}
		ret[name] = &hcldec.AttrSpec{Name: name, Type: a.Type, Required: a.Required}
	}
	for name, nb := range b.Blocks {
		child := nb.Block.DecoderSpec()
		switch nb.Nesting {
		case NestingSingle:
			ret[name] = &hcldec.BlockSpec{TypeName: name, Nested: child, Required: nb.MinItems > 0}
		case NestingList:
			if nb.Block.hasDynamic() {
				ret[name] = &hcldec.BlockTupleSpec{TypeName: name, Nested: child, MinItems: nb.MinItems, MaxItems: nb.MaxItems}
			} else {
				ret[name] = &hcldec.BlockListSpec{TypeName: name, Nested: child, MinItems: nb.MinItems, MaxItems: nb.MaxItems}
			}
		case NestingMap:
			if nb.Block.hasDynamic() {
				ret[name] = &hcldec.BlockObjectSpec{TypeName: name, Nested: child, LabelNames: []string{"name"}}
			} else {
				ret[name] = &hcldec.BlockMapSpec{TypeName: name, Nested: child, LabelNames: []string{"name"}}
			}
		}
	}
	return ret
}

func (b *Block) hasDynamic() bool {
	for _, a := range b.Attributes {
		if a.Type.HasDynamicTypes() {
			return true
		}
	}
	for _, nb := range b.Blocks {
		if nb.Block.hasDynamic() {
			return true
		}
	}
	return false
}

// AttributeNames returns the attribute names in sorted order.
func (b *Block) AttributeNames() []string {
	names := make([]string, 0, len(b.Attributes))
	for n := range b.Attributes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// SensitivePaths lists the top-level attributes marked sensitive.
func (b *Block) SensitivePaths() []cty.Path {
	var ret []cty.Path
	for _, n := range b.AttributeNames() {
		if b.Attributes[n].Sensitive {
			ret = append(ret, cty.GetAttrPath(n))
		}
	}
	return ret
}
