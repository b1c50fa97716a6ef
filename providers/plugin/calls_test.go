package plugin_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/go-hclog"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/plugin"
)

// callResult is what a Read followed by a PlanChange returned, in a form
// cmp can compare.
type callResult struct {
	Read, Planned string
	Private       string
	Replace       int
	Reasons       []string
	Diags         string
}

func readAndPlan(ctx context.Context, p providers.Interface, name string) callResult {
	cfg := thingConfig(name, "")
	prior := sdkSet(cfg, "id", cty.StringVal("id-"+name))
	prior = sdkSet(prior, "secret", cty.StringVal("s"))
	rr := p.Read(ctx, providers.ReadRequest{Kind: "thing", Address: "thing." + name, Current: prior, Private: []byte("p-" + name)})
	var res callResult
	res.Read = fmt.Sprintf("%#v", rr.New)
	res.Private = string(rr.Private)
	res.Diags = fmt.Sprint(rr.Diagnostics)
	// A changed name plans a new value; the same config plans the prior.
	planCfg := cfg
	if strings.HasSuffix(name, "5") {
		planCfg = sdkSet(cfg, "tags", cty.MapVal(map[string]cty.Value{"team": cty.StringVal("other")}))
	}
	proposed := sdkSet(sdkSet(planCfg, "id", prior.GetAttr("id")), "secret", prior.GetAttr("secret"))
	planPrior := rr.New
	switch {
	case strings.HasSuffix(name, "7"):
		// A prior value other than the one just read (no value the
		// Read left behind may stand in for it).
		planPrior = sdkSet(rr.New, "id", cty.StringVal("other-"+name))
		proposed = sdkSet(proposed, "id", cty.StringVal("other-"+name))
	case strings.HasSuffix(name, "3"):
		// A create: the proposed value is the configuration.
		planPrior, proposed = cty.NullVal(rr.New.Type()), planCfg
	}
	pr := p.PlanChange(ctx, providers.PlanChangeRequest{Kind: "thing", Address: "thing." + name, Prior: planPrior, PriorPrivate: rr.Private, Config: planCfg, Proposed: proposed})
	res.Planned = fmt.Sprintf("%#v", pr.Planned)
	res.Replace = len(pr.RequiresReplace)
	res.Reasons = pr.Reasons
	res.Diags += fmt.Sprint(pr.Diagnostics)
	return res
}

// TestCallsStreamMatchesUnary runs many concurrent Reads and PlanChanges
// through the Calls stream and through a plugin that has no stream, and
// compares every answer: the stream and its shortcuts (values that did
// not change are not sent back) change nothing a caller sees.
func TestCallsStreamMatchesUnary(t *testing.T) {
	ctx := context.Background()
	stream := start(t, plugin.Config{})
	unary := start(t, plugin.Config{Cmd: selfCmd("plugin-unary")})
	const n = 200
	got := make([]callResult, n)
	want := make([]callResult, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("t%d", i)
			got[i] = readAndPlan(ctx, stream, name)
			want[i] = readAndPlan(ctx, unary, name)
		}()
	}
	wg.Wait()
	if !stream.CallsOpen() {
		t.Error("the plugin serves the Calls stream, but the calls went unary")
	}
	if unary.CallsOpen() {
		t.Error("a plugin without the Calls stream was sent calls on it")
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("stream and unary answers differ (-unary +stream):\n%s", d)
	}
	if got[5].Planned == got[5].Read || got[1].Planned != got[1].Read {
		t.Errorf("planned values: t1 should keep its prior, t5 should change:\n%+v\n%+v", got[1], got[5])
	}
	if !strings.Contains(got[7].Planned, "other-t7") || strings.Contains(got[3].Planned, "id-t3") {
		t.Errorf("planned values: t7 should keep the prior it was given, t3 plan a create:\n%+v\n%+v", got[7], got[3])
	}
}

// TestCallsStreamCancel cancels one call in flight: the caller gets a
// Cancelled diagnostic at once, and the stream keeps serving other calls.
func TestCallsStreamCancel(t *testing.T) {
	p := start(t, plugin.Config{Logger: hclog.NewNullLogger()})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan providers.PlanChangeResponse)
	go func() {
		cfg := thingConfig("h", "hang")
		done <- p.PlanChange(ctx, providers.PlanChangeRequest{Kind: "thing", Address: "thing.h", Prior: cty.NullVal(cfg.Type()), Config: cfg, Proposed: cfg})
	}()
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case r := <-done:
		if len(r.Diagnostics) != 1 || r.Diagnostics[0].Summary != "Cancelled" {
			t.Errorf("want one Cancelled diagnostic, got %v", r.Diagnostics)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the cancelled call did not return")
	}
	if r := readAndPlan(context.Background(), p, "after"); r.Diags != "[][]" {
		t.Errorf("a call after the cancelled one failed: %s", r.Diags)
	}
	if !p.CallsOpen() {
		t.Error("the Calls stream closed after one cancelled call")
	}
}
