package plugin_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/plugin"
	"github.com/mltf/mltf/providers/providertest"
)

func start(t *testing.T, c plugin.Config) *plugin.GRPCProvider {
	t.Helper()
	if c.Name == "" {
		c.Name = "test"
	}
	if c.Cmd == nil {
		c.Cmd = selfCmd("plugin")
	}
	p, err := plugin.StartConfig(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func thingConfig(name, mode string) cty.Value {
	ty := thingSchema().ImpliedType()
	m := map[string]cty.Value{}
	for n, at := range ty.AttributeTypes() {
		m[n] = cty.NullVal(at)
	}
	m["name"] = cty.StringVal(name)
	if mode != "" {
		m["mode"] = cty.StringVal(mode)
	}
	m["payload"] = cty.ObjectVal(map[string]cty.Value{"lr": cty.NumberFloatVal(0.05), "layers": cty.TupleVal([]cty.Value{cty.NumberIntVal(64), cty.StringVal("relu")})})
	m["tags"] = cty.MapVal(map[string]cty.Value{"team": cty.StringVal("ml")})
	m["part"] = cty.ListVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{"size": cty.NumberIntVal(3)})})
	m["pool"] = cty.MapVal(map[string]cty.Value{"cpu": cty.ObjectVal(map[string]cty.Value{"slots": cty.NumberIntVal(2)})})
	m["options"] = cty.ObjectVal(map[string]cty.Value{"flag": cty.True})
	return cty.ObjectVal(m)
}

// TestConformance runs the conformance suite through a real plugin
// process.
func TestConformance(t *testing.T) {
	update := thingConfig("a", "")
	update = sdkSet(update, "payload", cty.StringVal("now a string: dynamic types survive"))
	providertest.Run(t, func(t *testing.T) providers.Interface {
		return start(t, plugin.Config{})
	}, providertest.Cases{
		Config: cty.ObjectVal(map[string]cty.Value{"greeting": cty.StringVal("hi")}),
		Resources: []providertest.Case{
			{Name: "a", Kind: "thing", Config: thingConfig("a", ""), Update: update},
		},
		Cancel: []providertest.Case{
			{Name: "slow", Kind: "thing", Config: thingConfig("slow", "slow")},
		},
	})
}

func sdkSet(obj cty.Value, name string, v cty.Value) cty.Value {
	m := obj.AsValueMap()
	m[name] = v
	return cty.ObjectVal(m)
}

// TestApplyEvents checks that every kind of event crosses the wire.
func TestApplyEvents(t *testing.T) {
	p := start(t, plugin.Config{})
	ctx := context.Background()
	cfg := thingConfig("e", "")
	pr := p.PlanChange(ctx, providers.PlanChangeRequest{Kind: "thing", Address: "thing.e", Prior: cty.NullVal(cfg.Type()), Config: cfg, Proposed: cfg})
	if pr.Diagnostics.HasErrors() {
		t.Fatal(pr.Diagnostics)
	}
	if pr.Planned.GetAttr("id").IsKnown() {
		t.Fatalf("id should be unknown in the plan, got %#v", pr.Planned.GetAttr("id"))
	}
	var types []providers.EventType
	var logLine string
	ar := p.ApplyChange(ctx, providers.ApplyChangeRequest{
		Kind: "thing", Address: "thing.e", Prior: cty.NullVal(cfg.Type()), Planned: pr.Planned, Config: cfg,
		Sensitive: []cty.Path{cty.GetAttrPath("secret"), cty.GetAttrPath("payload").Index(cty.StringVal("k"))},
		Events: func(e providers.Event) {
			types = append(types, e.Type)
			if e.Log != nil {
				logLine = e.Log.Line
			}
			if e.Time.IsZero() {
				t.Error("event without a time")
			}
		},
	})
	if ar.Diagnostics.HasErrors() {
		t.Fatal(ar.Diagnostics)
	}
	want := []providers.EventType{providers.EventLog, providers.EventPartial, providers.EventMetric}
	if len(types) != len(want) {
		t.Fatalf("events %v, want %v", types, want)
	}
	for i := range want {
		if types[i] != want[i] {
			t.Fatalf("events %v, want %v", types, want)
		}
	}
	// The sensitive paths cross the wire to the provider.
	if want := `creating sensitive:secret sensitive:payload["k"]`; logLine != want {
		t.Errorf("the provider logged %q, want %q", logLine, want)
	}
	if got := ar.New.GetAttr("payload"); !got.Equals(cfg.GetAttr("payload")).True() {
		t.Fatalf("dynamic payload changed on the way: %#v", got)
	}
}

// TestFaults checks that a plugin that panics, exits, hangs or returns
// values that do not match its schema yields a diagnostic naming the
// provider and the resource, with its last stderr lines, and that no
// plugin process is left behind.
func TestFaults(t *testing.T) {
	requireLinux(t)
	tests := []struct {
		mode        string
		summary     string
		wantInError []string
	}{
		{"panic", `Provider "faulty" crashed`, []string{"PlanChange of thing.x", "panic: boom in PlanChange", "about to fail"}},
		{"exit", `Provider "faulty" crashed`, []string{"PlanChange of thing.x", "giving up: disk on fire"}},
		{"hang", `Provider "faulty" did not answer in time`, []string{"PlanChange of thing.x", "2s", "waiting forever"}},
		{"bad", `Provider "faulty" failed`, []string{"PlanChange of thing.x", `does not match the schema of kind "thing"`}},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			p := start(t, plugin.Config{Name: "faulty", CallTimeout: 2 * time.Second, Logger: hclog.NewNullLogger()})
			cfg := thingConfig("x", tt.mode)
			r := p.PlanChange(context.Background(), providers.PlanChangeRequest{Kind: "thing", Address: "thing.x", Prior: cty.NullVal(cfg.Type()), Config: cfg, Proposed: cfg})
			if len(r.Diagnostics) != 1 {
				t.Fatalf("want one diagnostic, got %v", r.Diagnostics)
			}
			d := r.Diagnostics[0]
			if d.Severity != providers.Error || d.Summary != tt.summary {
				t.Errorf("summary %q, want %q", d.Summary, tt.summary)
			}
			for _, w := range tt.wantInError {
				if !strings.Contains(d.Detail, w) {
					t.Errorf("detail does not mention %q:\n%s", w, d.Detail)
				}
			}
			p.Close()
			if c := children(os.Getpid()); len(c) != 0 {
				t.Errorf("%d plugin processes left after the fault: %v", len(c), c)
			}
		})
	}
}

// TestCrashLeavesNoProcess counts the children after a crash, before
// Close: the crashed plugin is gone and the others still answer.
func TestCrashLeavesNoProcess(t *testing.T) {
	requireLinux(t)
	before := len(children(os.Getpid()))
	crashing := start(t, plugin.Config{Name: "crashing"})
	healthy := start(t, plugin.Config{Name: "healthy"})
	if got := len(children(os.Getpid())); got != before+2 {
		t.Fatalf("%d children after starting two plugins, want %d", got, before+2)
	}
	cfg := thingConfig("x", "panic")
	r := crashing.PlanChange(context.Background(), providers.PlanChangeRequest{Kind: "thing", Address: "thing.x", Prior: cty.NullVal(cfg.Type()), Config: cfg, Proposed: cfg})
	if !r.Diagnostics.HasErrors() {
		t.Fatal("a panicking plugin gave no error")
	}
	waitGone(t, []int{crashing.Pid()})
	if got := len(children(os.Getpid())); got != before+1 {
		t.Errorf("%d children after one plugin crashed, want %d", got, before+1)
	}
	if s := healthy.GetSchema(context.Background()); s.Diagnostics.HasErrors() {
		t.Errorf("the healthy plugin stopped answering: %v", s.Diagnostics)
	}
	// Calls to the crashed plugin keep failing clearly.
	r = crashing.PlanChange(context.Background(), providers.PlanChangeRequest{Kind: "thing", Address: "thing.y", Prior: cty.NullVal(cfg.Type()), Config: cfg, Proposed: cfg})
	if !r.Diagnostics.HasErrors() || !strings.Contains(r.Diagnostics[0].Summary, `"crashing"`) {
		t.Errorf("a call to a crashed plugin: %v", r.Diagnostics)
	}
	healthy.Close()
	if got := len(children(os.Getpid())); got != before {
		t.Errorf("%d children after Close, want %d", got, before)
	}
}

// TestNoOrphansAfterSIGINT interrupts a host process that runs two
// plugins, handling SIGINT the way mltf does (CleanupClients) and not
// handling it at all (the kernel ends the plugins), and checks that no
// plugin process survives.
func TestNoOrphansAfterSIGINT(t *testing.T) {
	requireLinux(t)
	for _, role := range []string{"host-handles-sigint", "host"} {
		t.Run(role, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "mltf-test-role="+role)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			var pids []int
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				line := sc.Text()
				if line == "ready" {
					break
				}
				if rest, ok := strings.CutPrefix(line, "pid "); ok {
					pid, _ := strconv.Atoi(rest)
					pids = append(pids, pid)
				} else {
					t.Fatalf("host: %s", line)
				}
			}
			if len(pids) != 2 {
				t.Fatalf("host started %d plugins, want 2", len(pids))
			}
			for _, pid := range pids {
				if !alive(pid) {
					t.Fatalf("plugin %d is not running", pid)
				}
			}
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()
			waitGone(t, pids)
		})
	}
}

func TestProtocolVersionRefused(t *testing.T) {
	_, err := plugin.StartConfig(context.Background(), plugin.Config{Name: "future", Cmd: selfCmd("plugin-v2")})
	if err == nil {
		t.Fatal("a plugin speaking protocol 2 was accepted")
	}
	for _, w := range []string{`provider "future"`, "speaks plugin protocol version 2", "this mltf speaks version 1"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not say %q: %v", w, err)
		}
	}
}

func TestChecksum(t *testing.T) {
	self := os.Args[0]
	sum, err := plugin.FileSum(self)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("match", func(t *testing.T) {
		start(t, plugin.Config{Sum: sum})
	})
	t.Run("mismatch", func(t *testing.T) {
		wrong := "sha256:" + strings.Repeat("ab", 32)
		_, err := plugin.Start(context.Background(), "example", selfCmd("plugin"), wrong, nil)
		if err == nil {
			t.Fatal("a binary with the wrong checksum was started")
		}
		for _, w := range []string{`provider "example"`, sum, wrong, "mltf init -upgrade"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error does not mention %q: %v", w, err)
			}
		}
	})
	t.Run("not a plugin", func(t *testing.T) {
		_, err := plugin.Start(context.Background(), "bogus", []string{"/bin/true"}, "", nil)
		if err == nil || !strings.Contains(err.Error(), `provider "bogus"`) {
			t.Fatalf("starting a non-plugin: %v", err)
		}
		t.Log(err)
	})
}

// TestCancelKeepsFinalState cancels an apply through the plugin and
// checks that the plugin's final state still arrives (the change was
// cancelled in the plugin, not only cut off).
func TestCancelKeepsFinalState(t *testing.T) {
	p := start(t, plugin.Config{})
	cfg := thingConfig("slow", "slow")
	pr := p.PlanChange(context.Background(), providers.PlanChangeRequest{Kind: "thing", Address: "thing.slow", Prior: cty.NullVal(cfg.Type()), Config: cfg, Proposed: cfg})
	if pr.Diagnostics.HasErrors() {
		t.Fatal(pr.Diagnostics)
	}
	ctx, cancel := context.WithCancel(context.Background())
	progress := 0
	ar := p.ApplyChange(ctx, providers.ApplyChangeRequest{
		Kind: "thing", Address: "thing.slow", Prior: cty.NullVal(cfg.Type()), Planned: pr.Planned, Config: cfg,
		Events: func(e providers.Event) {
			if e.Type == providers.EventProgress {
				if progress++; progress == 3 {
					cancel()
				}
			}
		},
	})
	if len(ar.Diagnostics) != 1 || ar.Diagnostics[0].Summary != "Cancelled" {
		t.Fatalf("want the provider's own cancellation diagnostic, got %v", ar.Diagnostics)
	}
	if ar.New.Type() == cty.NilType || ar.New.GetAttr("id").AsString() != "id-slow" {
		t.Fatalf("the final state did not arrive: %#v", ar.New)
	}
}
