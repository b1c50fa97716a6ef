package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/install"
	"github.com/mltf/mltf/providers/plugin"
	"github.com/mltf/mltf/providers/providertest"
)

func clusterConfig(description string, slots int64, bootSeconds float64) cty.Value {
	opts := cty.NullVal(cty.Object(map[string]cty.Type{"boot_seconds": cty.Number}))
	if bootSeconds > 0 {
		opts = cty.ObjectVal(map[string]cty.Value{"boot_seconds": cty.NumberFloatVal(bootSeconds)})
	}
	return cty.ObjectVal(map[string]cty.Value{
		"description": cty.StringVal(description),
		"labels":      cty.MapVal(map[string]cty.Value{"team": cty.StringVal("ml")}),
		"id":          cty.NullVal(cty.String),
		"endpoint":    cty.NullVal(cty.String),
		"created_at":  cty.NullVal(cty.String),
		"pool": cty.MapVal(map[string]cty.Value{
			"cpu": cty.ObjectVal(map[string]cty.Value{"slots": cty.NumberIntVal(slots), "gpus": cty.NullVal(cty.Number)}),
		}),
		"options": opts,
	})
}

func cases() providertest.Cases {
	byID := func(state cty.Value) string { return state.GetAttr("id").AsString() }
	return providertest.Cases{
		Resources: []providertest.Case{
			{Name: "dev", Kind: "cluster", Config: clusterConfig("dev", 2, 0.2),
				Update: clusterConfig("dev, bigger", 4, 0.2), ImportID: byID},
			{Name: "replaced", Kind: "cluster", Config: clusterConfig("r", 1, 0),
				Update: clusterConfig("r", 1, 0.1), ImportID: byID},
		},
		Cancel: []providertest.Case{
			{Name: "slow", Kind: "cluster", Config: clusterConfig("slow", 1, 600)},
		},
	}
}

// TestInProcess runs the conformance suite against the provider value.
func TestInProcess(t *testing.T) {
	providertest.Run(t, func(t *testing.T) providers.Interface { return New() }, cases())
}

// TestThroughMirror is the third-party path end to end: build the
// provider, publish it in a mirror, install it as mltf init does, start
// the installed binary as a plugin and run the conformance suite on it.
func TestThroughMirror(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the provider binary")
	}
	mirror := t.TempDir()
	bin := filepath.Join(mirror, "example", "1.0.0", install.Platform(), install.BinaryName("example"))
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		t.Fatalf("go build: %v", err)
	}

	work := t.TempDir()
	lockPath := filepath.Join(work, install.LockFile)
	lock, err := install.Install(context.Background(),
		[]install.Requirement{{Name: "example", Constraint: ">= 1.0, < 2.0"}}, mirror, lockPath, false)
	if err != nil {
		t.Fatal(err)
	}
	if v := lock.Providers["example"].Version; v != "1.0.0" {
		t.Fatalf("installed version %s, want 1.0.0", v)
	}
	lock, err = install.ReadLock(lockPath)
	if err != nil {
		t.Fatal(err)
	}
	path, sum, err := install.Locate(work, lock, "example")
	if err != nil {
		t.Fatal(err)
	}
	logger := hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: os.Stderr})
	providertest.Run(t, func(t *testing.T) providers.Interface {
		p, err := plugin.Start(context.Background(), "example", []string{path}, sum, logger)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}, cases())
}
