package kinds

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestBuiltin checks the rows of mltf's own table: well formed, and each
// Package naming a package of this module.
func TestBuiltin(t *testing.T) {
	table := Builtin()
	if len(table.Names()) == 0 {
		t.Fatal("the built-in table is empty")
	}
	for _, k := range table.Rows() {
		if k.Summary == "" {
			t.Errorf("kind %q has no summary", k.Name)
		}
		if p := k.Placement; p != nil && !table.Has(p.Kind) {
			t.Errorf("kind %q is placed by %s on kind %q, which is not in the table", k.Name, p.Attribute, p.Kind)
		}
		if k.Package == "" {
			continue
		}
		files, _ := filepath.Glob(filepath.Join("..", filepath.FromSlash(k.Package), "*.go"))
		if len(files) == 0 {
			t.Errorf("kind %q: its package %s holds no Go files", k.Name, k.Package)
		}
	}
}

func TestWith(t *testing.T) {
	table, err := Builtin().With(Kind{Name: "widget", Provider: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	if k, ok := table.Lookup("widget"); !ok || k.Provider != "acme" {
		t.Errorf("Lookup(widget) = %+v, %t", k, ok)
	}
	if Builtin().Has("widget") {
		t.Error("With changed the table it was called on")
	}
	tests := []struct {
		name string
		row  Kind
		want string
	}{
		{"taken", Kind{Name: "training", Provider: "acme"}, `kind "training" is declared twice`},
		{"reserved", Kind{Name: "variable", Provider: "acme"}, "reserved"},
		{"bad name", Kind{Name: "Widget", Provider: "acme"}, "not valid"},
		{"no provider", Kind{Name: "gadget"}, "names no provider"},
		{"half a placement", Kind{Name: "gadget", Provider: "acme", Placement: &Placement{Attribute: "pool"}}, "placement"},
		{"scope takes a kind's name", Kind{Name: "gadget", Provider: "acme", Scope: []string{"training"}}, `binds "training"`},
		{"scope takes a reserved name", Kind{Name: "gadget", Provider: "acme", Scope: []string{"var"}}, `binds "var"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Builtin().With(tt.row)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("With(%+v) = %v, want an error containing %q", tt.row, err, tt.want)
			}
		})
	}
}

func TestWithRecorded(t *testing.T) {
	table := Builtin().WithRecorded("widget", "acme").WithRecorded("training", "acme").WithRecorded("Bad", "acme")
	if k, _ := table.Lookup("widget"); k.Provider != "acme" {
		t.Errorf("widget: %+v", k)
	}
	if k, _ := table.Lookup("training"); k.Provider != "local" {
		t.Errorf("a recorded kind replaced the table's row: %+v", k)
	}
	if table.Has("Bad") {
		t.Error("an invalid name was added")
	}
}
