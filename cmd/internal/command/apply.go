package command

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/cli"
	"github.com/hashicorp/hcl/v2"

	"github.com/mltf/mltf/cmd/internal/views"
	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/plan"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/state"
	"github.com/mltf/mltf/state/store"
)

// ApplyCommand is mltf apply, and mltf destroy when Destroy is set.
type ApplyCommand struct {
	Meta
	Destroy bool
}

func (c *ApplyCommand) Synopsis() string {
	if c.Destroy {
		return "Destroy everything this configuration manages"
	}
	return "Provision, train, validate and promote as planned"
}

func (c *ApplyCommand) Help() string {
	name := "apply [options] [PLANFILE]"
	if c.Destroy {
		name = "destroy [options]"
	}
	return strings.TrimSpace(fmt.Sprintf(`
Usage: mltf [global options] %s

  Plans (or reads the saved PLANFILE) and carries out the changes. Without
  -auto-approve it shows the plan and asks for "yes". The state is saved
  after every finished resource; a launched training is recorded at once, so
  an interrupted apply re-attaches to it next time.

Options:
  -auto-approve        Do not ask for confirmation.
  -var, -var-file, -target, -replace, -refresh, -parallelism, -lock,
  -lock-timeout, -json as for mltf plan.
`, name))
}

func (c *ApplyCommand) Run(args []string) int {
	var f opFlags
	var autoApprove bool
	fs := c.flagSet("apply")
	c.addOpFlags(fs, &f)
	fs.BoolVar(&autoApprove, "auto-approve", false, "Skip interactive approval.")
	args, ok := c.parseArgs(fs, args)
	if !ok {
		return cli.RunResultHelp
	}
	f.destroy = c.Destroy
	planFile := ""
	if len(args) > 1 || (len(args) == 1 && c.Destroy) {
		c.errorf("Too many arguments\n\nSee mltf %s -help.", map[bool]string{true: "destroy", false: "apply"}[c.Destroy])
		return 1
	}
	if len(args) == 1 {
		planFile = args[0]
	}
	if f.json && planFile == "" && !autoApprove {
		c.errorf("-json needs -auto-approve or a saved plan\n\nWith -json mltf cannot ask for approval. Pass -auto-approve, or apply a saved plan: mltf plan -out=PLAN, then mltf apply -json PLAN.")
		return 1
	}
	var jv *views.ApplyJSON
	if f.json {
		jv = views.NewApplyJSON(c.Stdout)
		jv.Version(Version)
	}
	ctx, stop := c.interruptible()
	defer stop()

	var cfg *lang.Config
	var cs *plan.Changeset
	var diags hcl.Diagnostics
	if planFile != "" {
		b, err := c.readPlanFile(planFile)
		if err != nil {
			c.errorf("Cannot read the plan file\n\n%s", err)
			return 1
		}
		cs, diags = plan.DecodePlan(b, c.WorkDir, c.kindTable(nil).table)
		if diags.HasErrors() {
			c.diagView(nil).Show(diags)
			return 1
		}
		cfg = cs.Config
	} else {
		cfg, diags = c.loadConfig()
		if diags.HasErrors() {
			c.diagView(cfg).Show(diags)
			return 1
		}
	}
	dv := c.diagView(cfg)

	s := c.openSession(ctx, cfg, map[bool]string{true: "destroy", false: "apply"}[c.Destroy], &f)
	if s == nil {
		return 1
	}
	defer s.close()
	// After a key rotation the state and its history go under the new
	// key, whether or not anything changes.
	if _, err := s.store.Reencrypt(ctx, s.ws); err != nil {
		c.errorf("Cannot encrypt the state under the new key\n\n%s", err)
		return 1
	}

	if cs != nil {
		if ds := cs.CheckPrior(s.prior); ds.HasErrors() {
			c.showDiags(jv, dv, ds, cfg)
			return 1
		}
		cs.Prior = s.prior
		if !cs.HasChanges() {
			// Nothing to do: the state is left as it is, serial included.
			return c.nothingToDo(jv, cs, s.prior)
		}
	} else {
		opts, ds := c.planOptions(cfg, &f)
		diags = append(diags, ds...)
		if ds.HasErrors() {
			dv.Show(diags)
			return 1
		}
		cs, ds = plan.Plan(ctx, cfg, s.prior, s.provs, opts)
		diags = append(diags, ds...)
		c.showDiags(jv, dv, diags, cfg)
		if diags.HasErrors() {
			return 1
		}
		diags = nil
		if !cs.HasChanges() {
			return c.nothingToDo(jv, cs, s.prior)
		}
		if jv == nil {
			views.NewPlan(c.Stdout).Show(cs)
		}
		if !autoApprove {
			if !c.approve() {
				c.applyView().Cancelled()
				return 1
			}
		}
	}
	if jv != nil {
		jv.PlannedChanges(cs)
	} else {
		c.applyView().Approved()
	}
	return c.apply(ctx, s, cs, jv)
}

// showDiags shows diagnostics as diagnostic messages with -json, for
// people otherwise.
func (c *ApplyCommand) showDiags(jv *views.ApplyJSON, dv *views.Diagnostics, diags hcl.Diagnostics, cfg *lang.Config) {
	if jv != nil {
		jv.Diagnostics(diags, cfg.Files)
		return
	}
	dv.Show(diags)
}

// approve asks the user to type yes.
func (c *ApplyCommand) approve() bool {
	if !c.stdinIsTerminal() {
		c.errorf("No approval\n\nmltf asks for \"yes\" before applying, but its input is not a terminal. Pass -auto-approve, or apply a saved plan: mltf plan -out=PLAN, then mltf apply PLAN.")
		return false
	}
	c.applyView().Prompt(c.Destroy)
	line, _ := bufio.NewReader(c.Stdin).ReadString('\n')
	return strings.TrimSpace(line) == "yes"
}

// journalHooks persist every finished instance to the state journal and
// show progress.
type journalHooks struct {
	applyView
	journal *store.Journal
}

// applyView shows an apply as it happens: views.Apply for people,
// views.ApplyJSON for machines.
type applyView interface {
	Started(c *plan.Change)
	Event(c *plan.Change, ev providers.Event)
	Finished(c *plan.Change, diags hcl.Diagnostics)
}

func (h journalHooks) Persist(res *state.Resource, key string, inst *state.Instance) {
	h.journal.Record(res.Addr, res.Kind, res.Name, res.Provider, key, inst)
}

func (c *ApplyCommand) apply(ctx context.Context, s *session, cs *plan.Changeset, jv *views.ApplyJSON) int {
	j, err := s.store.Journal(ctx, s.ws, s.prior)
	if err != nil {
		c.errorf("Cannot start the state journal\n\n%s", err)
		return 1
	}
	av := c.applyView()
	var ui applyView = av
	if jv != nil {
		ui = jv
	}
	hooks := journalHooks{applyView: ui, journal: j}
	newState, diags := plan.Apply(ctx, cs, s.provs, hooks)
	saveCtx := context.Background()
	if err := j.Flush(saveCtx); err != nil {
		c.errorf("Cannot save state to the journal\n\n%s", err)
	}
	// Nothing finished or changed (a refused apply): the state keeps its
	// serial.
	if !sameState(s.prior, newState) {
		if err := s.store.Write(saveCtx, s.ws, newState); err != nil {
			c.diagView(cs.Config).Show(diags)
			c.errorf("Cannot save state\n\n%s\n\nEverything that finished is in the state journal and will be read by the next command.", err)
			return 1
		}
	}
	_ = j.Close(saveCtx)
	if jv != nil {
		jv.Diagnostics(diags, cs.Config.Files)
		if diags.HasErrors() {
			return 1
		}
		jv.ChangeSummary(cs.Summary(), c.Destroy)
		jv.Outputs(jsonOutputs(newState))
		return 0
	}
	c.diagView(cs.Config).Show(diags)
	if diags.HasErrors() {
		return 1
	}
	av.Complete(cs.Summary(), c.Destroy, newState)
	return 0
}

// nothingToDo ends an apply that has no changes to make.
func (c *ApplyCommand) nothingToDo(jv *views.ApplyJSON, cs *plan.Changeset, st *state.State) int {
	if jv != nil {
		jv.ChangeSummary(plan.Summary{}, c.Destroy)
		jv.Outputs(jsonOutputs(st))
		return 0
	}
	views.NewPlan(c.Stdout).Show(cs)
	c.applyView().Outputs(st)
	return 0
}

// jsonOutputs are the state's outputs for the JSON view.
func jsonOutputs(st *state.State) map[string]views.JSONOutput {
	outs := map[string]views.JSONOutput{}
	for name, o := range st.Outputs {
		jo := views.JSONOutput{Sensitive: o.Sensitive}
		if v, err := views.OutputValue(o); err == nil {
			jo.Value = v
		}
		outs[name] = jo
	}
	return outs
}

// applyView is the human view of an apply.
func (c *ApplyCommand) applyView() *views.Apply {
	return views.NewApply(c.Stdout, c.stdoutIsTerminal())
}

// sameState reports whether two states hold the same resources and outputs.
func sameState(a, b *state.State) bool {
	ea, err1 := state.Encode(a)
	bb := *b
	bb.Serial, bb.Lineage, bb.MltfVersion = a.Serial, a.Lineage, a.MltfVersion
	eb, err2 := state.Encode(&bb)
	return err1 == nil && err2 == nil && bytes.Equal(ea, eb)
}
