package views

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/state"
	"github.com/mltf/mltf/state/store"
	"github.com/mltf/mltf/state/tracking"
)

// TestGoldenMessages pins what the smaller commands print: errors,
// interrupts, version, state and workspace commands, graph, providers and
// the server's own lines.
func TestGoldenMessages(t *testing.T) {
	tokens := []tracking.Token{
		{ID: "t-1a2b", Role: "admin", Name: "ci", Created: started},
		{ID: "t-3c4d", Role: "reader", Created: started, Revoked: finished},
	}
	cases := map[string]func(*strings.Builder){
		"error": func(b *strings.Builder) {
			Error(b, "Cannot read state\n\nthe state has format version 2, written by mltf 0.9.0; upgrade mltf")
		},
		"flag_error": func(b *strings.Builder) { FlagError(b, "mltf runs show has no option -foo") },
		"interrupts": func(b *strings.Builder) { Interrupted(b); InterruptedTwice(b) },
		"version":    func(b *strings.Builder) { Version(b, "0.1.0") },
		"unlocked":   func(b *strings.Builder) { Unlocked(b) },
		"state_list": func(b *strings.Builder) { Lines(b, []string{"dataset.each[\"a\"]", "training.mlp"}) },
		"state_rm_mv": func(b *strings.Builder) {
			StateRemoved(b, "training.mlp")
			StateMoved(b, "experiment.old", "experiment.new")
		},
		"state_history": func(b *strings.Builder) {
			StateHistory(b, []store.Version{{Serial: 1, Written: started, Size: 812}, {Serial: 12, Written: finished, Size: 40_960}})
		},
		"workspaces": func(b *strings.Builder) {
			Workspaces(b, []string{"default", "staging"}, "staging")
			WorkspaceChanged(b, "Created and switched to", "staging")
			WorkspaceChanged(b, "Deleted", "old")
		},
		"graph": func(b *strings.Builder) {
			GraphDot(b, Graph{
				Nodes: []string{"experiment.digits", "pipeline.features", "training.mlp"},
				Edges: map[string][]string{"training.mlp": {"experiment.digits", "pipeline.features"}},
				Inner: []InnerGraph{{Addr: "pipeline.features", Nodes: []string{"step/clean", "step/split"},
					Edges: [][2]string{{"pipeline.features/step/split", "pipeline.features/step/clean"}}}},
			})
		},
		"providers": func(b *strings.Builder) {
			Providers(b, []ProviderUse{
				{Name: "local", Bundled: true, Resources: []string{"cluster.dev", "training.mlp"}},
				{Name: "modal", Resources: []string{"cluster.cloud"}},
			}, []ProviderRequirement{{Name: "modal", Constraint: ">= 1.2", Source: "example.com/modal", Installed: "not installed: run mltf init"}},
				[]string{"data", "kubernetes", "local", "registry"})
		},
		"providers_none": func(b *strings.Builder) { Providers(b, nil, nil, []string{"data", "local"}) },
		"server": func(b *strings.Builder) {
			ServerListening(b, ServerStart{URL: "http://127.0.0.1:8080", Tracking: ".mltf/tracking.db", Workspace: "default", NoTokens: true})
			ServerStopped(b)
		},
		"tokens": func(b *strings.Builder) {
			TokenCreated(b, b, tokens[0], "mltf_s3cr3t")
			Tokens(b, tokens)
			TokenRevoked(b, "t-3c4d")
		},
		"tokens_none": func(b *strings.Builder) { Tokens(b, nil) },
		"init": func(b *strings.Builder) {
			ProviderInstalled(b, "modal", "1.2.0")
			Initialized(b)
		},
		"valid":      func(b *strings.Builder) { Valid(b) },
		"plan_saved": func(b *strings.Builder) { PlanSaved(b, "ci plans/p.plan") },
		"fmt": func(b *strings.Builder) {
			Formatted(b, "main.mltf.hcl", "", true)
			Formatted(b, "sub/x.mltf.hcl", "--- old/sub/x.mltf.hcl\n+++ new/sub/x.mltf.hcl\n@@ -1 +1 @@\n-a=1\n+a = 1\n", true)
		},
		"unknown_command": func(b *strings.Builder) { UnknownCommand(b, "aply", "apply"); UnknownCommand(b, "zzz", "") },
		"scheduler":       func(b *strings.Builder) { SchedulerLine(b, started, `pipeline.nightly: cron "0 3 * * *" in UTC`) },
		"outputs_one": func(b *strings.Builder) {
			NoOutputs(b)
			for _, v := range []cty.Value{cty.StringVal("s3://bucket/model"), cty.NumberIntVal(25_000_000_000), cty.True, cty.ListValEmpty(cty.String)} {
				fmt.Fprintf(b, "[%v] ", RawOutput(b, v))
			}
			fmt.Fprintln(b)
			OutputOne(b, &state.Output{Value: json.RawMessage(`{"a":[1,2]}`)}, cty.ObjectVal(map[string]cty.Value{"a": cty.TupleVal([]cty.Value{cty.NumberIntVal(1), cty.NumberIntVal(2)})}), false)
			OutputOne(b, &state.Output{Value: json.RawMessage(`{"a":[1,2]}`)}, cty.NilVal, true)
			OutputOne(b, &state.Output{Value: json.RawMessage(`"SUPERSECRET123"`), Sensitive: true}, cty.StringVal("SUPERSECRET123"), false)
		},
	}
	for name, render := range cases {
		t.Run(name, func(t *testing.T) {
			var b strings.Builder
			render(&b)
			if strings.Contains(b.String(), "SUPERSECRET123") {
				t.Errorf("shows a sensitive value:\n%s", b.String())
			}
			golden(t, "human/"+name+".txt", b.String())
		})
	}

	var b strings.Builder
	ProviderSchemasJSON(&b, map[string]any{"local": map[string]any{"kinds": map[string]any{}}})
	golden(t, "json/provider_schemas.json", b.String())
}
