package registry

import (
	"context"
	"fmt"
	"strings"

	"github.com/zclconf/go-cty/cty/function"

	"github.com/mltf/mltf/lang/funcs"
	"github.com/mltf/mltf/providers"
)

// aliasDecision is where one alias goes.
type aliasDecision struct {
	Alias   string
	Current int64 // where it points in the registry now; 0: nowhere
	Target  int64 // where it goes; 0: nowhere
	Known   bool  // false: decided at apply
	Reason  string
	// Evaluated says the gates were evaluated now, for Candidate; their
	// outcomes are in Outcomes.
	Evaluated bool
	Candidate int64
	Outcomes  []gateOutcome
	Pinned    bool
	Restored  bool
}

func (d aliasDecision) moves() bool { return d.Known && d.Target != d.Current }

// refused says a gate kept the alias where it was.
func (d aliasDecision) refused() bool {
	if !d.Evaluated || d.Target == d.Candidate {
		return false
	}
	for _, o := range d.Outcomes {
		if o.Known && !o.Passed {
			return true
		}
	}
	return false
}

// modelDecision is what a plan or an apply does to a model's aliases.
type modelDecision struct {
	Aliases []aliasDecision // the configured aliases, in order
	Removed []aliasDecision // managed aliases no longer configured
	Private modelPrivate
}

func (d modelDecision) known() bool {
	for _, a := range d.Aliases {
		if !a.Known {
			return false
		}
	}
	return true
}

// candidate is the version from's run becomes, or is.
type candidate struct {
	Facts versionFacts
	// Registered says Facts.Version is registered; when false it is the
	// number the version would get.
	Registered bool
}

// decide decides where every alias goes. cand is nil while from's run is
// unknown. positions are the registry's aliases now.
func (p *Provider) decide(ctx context.Context, cfg modelConfig, cand *candidate, positions map[string]int64, priv modelPrivate) (modelDecision, providers.Diagnostics) {
	var diags providers.Diagnostics
	out := modelDecision{Private: modelPrivate{Aliases: map[string]int64{}, Evaluated: map[string]int64{}}}
	for a, v := range priv.Aliases {
		out.Private.Aliases[a] = v
	}
	for a, v := range priv.Evaluated {
		out.Private.Evaluated[a] = v
	}
	fns := funcs.Functions(p.settings.WorkDir, false)
	configured := map[string]bool{}
	for _, a := range cfg.Aliases {
		configured[a] = true
		cur := positions[a]
		d := aliasDecision{Alias: a, Current: cur}
		switch {
		case cfg.Pin != 0:
			d.Target, d.Known, d.Pinned = cfg.Pin, true, true
			if cur != cfg.Pin {
				d.Reason = fmt.Sprintf("alias %s %s -> %d (pinned)", a, versionWord(cur), cfg.Pin)
			}
		case cand == nil:
			// Decided at apply, once from's run is known.
		case cand.Registered && out.Private.Evaluated[a] == cand.Facts.Version:
			// The gates ran for this candidate already: the alias stays
			// where mltf put it.
			d.Target, d.Known = out.Private.Aliases[a], true
			if d.Target == 0 {
				d.Target = cur // never set by mltf: leave it alone
			}
			if cur != d.Target {
				d.Restored = true
				d.Reason = fmt.Sprintf("alias %s %s -> %d (moved outside mltf%s)", a, versionWord(cur), d.Target, p.lastMove(ctx, cfg.Name, a))
			}
		case cand.Registered && cur == cand.Facts.Version:
			d.Target, d.Known = cur, true
			out.Private.Evaluated[a] = cur
		default:
			ds := p.evaluate(ctx, cfg, cand, &d, fns)
			diags = append(diags, ds...)
			if ds.HasErrors() {
				continue
			}
			if cand.Registered && d.Known {
				out.Private.Evaluated[a] = cand.Facts.Version
			}
		}
		if d.Known {
			if d.Target != 0 {
				out.Private.Aliases[a] = d.Target
			} else {
				delete(out.Private.Aliases, a)
			}
		}
		out.Aliases = append(out.Aliases, d)
	}
	for a, v := range priv.Aliases {
		if configured[a] {
			continue
		}
		delete(out.Private.Aliases, a)
		delete(out.Private.Evaluated, a)
		if cur := positions[a]; cur == v && cur != 0 {
			out.Removed = append(out.Removed, aliasDecision{Alias: a, Current: cur, Known: true,
				Reason: fmt.Sprintf("alias %s removed (was %d)", a, cur)})
		}
	}
	return out, diags
}

// evaluate runs the gates of an alias for the candidate. With every
// gate holding the alias moves to the candidate, else it stays. Before
// the candidate is registered (planning), the outcome only explains the
// plan: the gates run again at apply.
func (p *Provider) evaluate(ctx context.Context, cfg modelConfig, cand *candidate, d *aliasDecision, fns map[string]function.Function) providers.Diagnostics {
	var diags providers.Diagnostics
	current, err := p.currentFacts(ctx, cfg.Name, d.Current)
	if err != nil {
		return diags.Errorf("Cannot read the current version", "Alias %s of model %s points at version %d: %s", d.Alias, cfg.Name, d.Current, err)
	}
	d.Candidate = cand.Facts.Version
	self := selfValue(cand.Facts, current)
	known, failed := true, ""
	for _, g := range cfg.Gates {
		o, ds := evalGate(g, self, fns)
		diags = append(diags, ds...)
		if ds.HasErrors() {
			continue
		}
		if !o.Known {
			known = false
			continue
		}
		if !o.Passed && failed == "" {
			failed = fmt.Sprintf("gate %d: %s", o.Gate, o.Message)
			if o.Values != "" {
				failed += " (" + o.Values + ")"
			}
		}
		d.Outcomes = append(d.Outcomes, o)
	}
	if diags.HasErrors() {
		return diags
	}
	d.Evaluated = known
	switch {
	case !known:
		d.Reason = fmt.Sprintf("alias %s: gates evaluated at apply", d.Alias)
	case !cand.Registered && failed == "":
		d.Reason = fmt.Sprintf("alias %s %s -> new version if its gates still hold at apply (they hold now)", d.Alias, versionWord(d.Current))
	case !cand.Registered:
		d.Reason = fmt.Sprintf("alias %s %s unless its gates hold at apply: %s", d.Alias, staysAt(d.Current), failed)
	case failed == "":
		d.Known, d.Target = true, cand.Facts.Version
		d.Reason = fmt.Sprintf("alias %s %s -> %d (gates hold)", d.Alias, versionWord(d.Current), d.Target)
	default:
		d.Known, d.Target = true, d.Current
		d.Reason = fmt.Sprintf("alias %s %s: version %d refused by %s", d.Alias, staysAt(d.Current), cand.Facts.Version, failed)
	}
	if !cand.Registered {
		d.Evaluated = false
	}
	return diags
}

// staysAt says that an alias keeps version v: "stays at 2", or "stays
// unset" for an alias on no version yet.
func staysAt(v int64) string {
	if v == 0 {
		return "stays unset"
	}
	return fmt.Sprintf("stays at %d", v)
}

func versionWord(v int64) string {
	if v == 0 {
		return "(unset)"
	}
	return fmt.Sprint(v)
}

// failure renders the failing gates of a refused move, with the numbers.
func (d aliasDecision) failure(cand versionFacts, current *versionFacts) string {
	var b strings.Builder
	for _, o := range d.Outcomes {
		if o.Passed {
			continue
		}
		fmt.Fprintf(&b, "gate %d: %s\n", o.Gate, o.Message)
		if o.Values != "" {
			fmt.Fprintf(&b, "  compared: %s\n", o.Values)
		}
	}
	fmt.Fprintf(&b, "candidate: %s\n", cand.summary())
	fmt.Fprintf(&b, "current:   %s", current.summary())
	return b.String()
}

// lastMove says who moved an alias last and when, for a plan that moves
// it back: " by ana via mltf server at 2026-12-02 01:20 UTC".
func (p *Provider) lastMove(ctx context.Context, model, alias string) string {
	h, err := p.store.AliasHistory(ctx, model, alias)
	if err != nil || len(h) == 0 {
		return ""
	}
	m := h[len(h)-1]
	who := ""
	if m.Who != "" {
		who = " by " + m.Who
	}
	return fmt.Sprintf("%s at %s", who, m.When.UTC().Format("2006-01-02 15:04:05 UTC"))
}
