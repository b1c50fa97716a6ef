package providertest

import (
	"context"
	"regexp"
	"testing"

	"github.com/mltf/mltf/kinds"
	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
)

var identifier = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

func testSchema(t *testing.T, p providers.Interface, cases Cases) {
	table := kinds.Builtin()
	r := p.GetSchema(context.Background())
	requireNoErrors(t, "GetSchema", r.Diagnostics)
	if len(r.Kinds) == 0 {
		t.Error("the provider declares no kinds")
	}
	if r.Provider != nil {
		checkBlock(t, "provider block", r.Provider)
	}
	for name, k := range r.Kinds {
		if !identifier.MatchString(name) {
			t.Errorf("kind %q: not a valid name (lower case letters, digits and _)", name)
		}
		if k.Block == nil {
			t.Errorf("kind %q has no schema", name)
			continue
		}
		checkBlock(t, "kind "+name, k.Block)
		if row, ok := table.Lookup(name); ok && row.LongRunning != k.LongRunning {
			t.Errorf("kind %q: declared with LongRunning %t, but mltf's kind table says %t", name, k.LongRunning, row.LongRunning)
		}
	}
	for _, c := range append(append([]Case(nil), cases.Resources...), cases.Cancel...) {
		k, ok := r.Kinds[c.Kind]
		if !ok {
			t.Errorf("case %s: the provider has no kind %q", c.Name, c.Kind)
			continue
		}
		if c.ImportID != nil && !k.Importable {
			t.Errorf("case %s: has ImportID but kind %q is not importable", c.Name, c.Kind)
		}
	}
	// The schema is the same every time it is asked for.
	again := p.GetSchema(context.Background())
	if len(again.Kinds) != len(r.Kinds) {
		t.Errorf("GetSchema is not stable: %d kinds, then %d", len(r.Kinds), len(again.Kinds))
	}
}

func checkBlock(t *testing.T, where string, b *schema.Block) {
	t.Helper()
	for name, a := range b.Attributes {
		at := where + " attribute " + name
		if !identifier.MatchString(name) {
			t.Errorf("%s: not a valid name", at)
		}
		if a == nil {
			t.Errorf("%s: no schema", at)
			continue
		}
		if a.Type == schemaNilType {
			t.Errorf("%s: no type", at)
		}
		switch {
		case a.Required && (a.Optional || a.Computed):
			t.Errorf("%s: required attributes are neither optional nor computed", at)
		case !a.Required && !a.Optional && !a.Computed:
			t.Errorf("%s: must be required, optional or computed", at)
		}
		if _, clash := b.Blocks[name]; clash {
			t.Errorf("%s: also declared as a nested block", at)
		}
	}
	for name, nb := range b.Blocks {
		bt := where + " block " + name
		if !identifier.MatchString(name) {
			t.Errorf("%s: not a valid name", bt)
		}
		if nb == nil {
			t.Errorf("%s: no schema", bt)
			continue
		}
		switch nb.Nesting {
		case schema.NestingSingle, schema.NestingList, schema.NestingMap:
		default:
			t.Errorf("%s: unknown nesting mode %d", bt, nb.Nesting)
		}
		if nb.MinItems < 0 || nb.MaxItems < 0 || (nb.MaxItems > 0 && nb.MinItems > nb.MaxItems) {
			t.Errorf("%s: min_items %d and max_items %d do not make sense", bt, nb.MinItems, nb.MaxItems)
		}
		if nb.Nesting == schema.NestingSingle && nb.MinItems > 1 {
			t.Errorf("%s: a single block cannot require %d items", bt, nb.MinItems)
		}
		checkBlock(t, bt, &nb.Block)
	}
	// The block must yield a type and a decoder spec.
	_ = b.ImpliedType()
	_ = b.DecoderSpec()
}
