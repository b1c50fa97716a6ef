package command

import (
	"context"
	"flag"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/plan"
	"github.com/mltf/mltf/state"
	"github.com/mltf/mltf/state/store"
)

// opFlags are the flags plan, apply and destroy share.
type opFlags struct {
	vars        [][2]string
	targets     stringList
	replaces    stringList
	refresh     bool
	parallelism int
	lock        bool
	lockTimeout time.Duration
	destroy     bool
	json        bool
}

func (m *Meta) addOpFlags(fs *flag.FlagSet, f *opFlags) {
	fs.Var(varFlags{&f.vars, "-var"}, "var", "Set a variable: -var NAME=VALUE (repeatable).")
	fs.Var(varFlags{&f.vars, "-var-file"}, "var-file", "Read variables from a file (repeatable).")
	fs.Var(&f.targets, "target", "Limit the operation to this resource and its dependencies (repeatable).")
	fs.Var(&f.replaces, "replace", "Force replacement of this instance (repeatable).")
	fs.BoolVar(&f.refresh, "refresh", true, "Read the current value of every object before planning.")
	fs.IntVar(&f.parallelism, "parallelism", 10, "How many resources to work on at once.")
	fs.BoolVar(&f.lock, "lock", true, "Lock the state during the operation.")
	fs.DurationVar(&f.lockTimeout, "lock-timeout", 0, "How long to wait for the state lock.")
	fs.BoolVar(&f.json, "json", false, "Print machine-readable JSON.")
}

// planOptions turns flags and configuration into engine options.
func (m *Meta) planOptions(cfg *lang.Config, f *opFlags) (plan.Options, hcl.Diagnostics) {
	opts := plan.Options{Refresh: f.refresh, Parallelism: f.parallelism, Destroy: f.destroy}
	raws, diags := lang.InputSources(m.WorkDir, m.Environ, f.vars)
	vals, ds := lang.VariableValues(cfg, raws)
	diags = append(diags, ds...)
	opts.Variables = vals
	for _, t := range f.targets {
		a, ds := lang.ParseInstanceAddr(t, cfg.Kinds)
		diags = append(diags, ds...)
		opts.Targets = append(opts.Targets, a)
	}
	for _, r := range f.replaces {
		a, ds := lang.ParseInstanceAddr(r, cfg.Kinds)
		diags = append(diags, ds...)
		opts.Replace = append(opts.Replace, a)
	}
	return opts, diags
}

// session is what an operation holds open: configuration, store, lock,
// prior state and providers.
type session struct {
	m     *Meta
	cfg   *lang.Config
	ws    string
	store *store.Store
	prior *state.State
	provs *plan.Providers
	done  []func()
}

func (s *session) close() {
	for i := len(s.done) - 1; i >= 0; i-- {
		s.done[i]()
	}
}

// openSession loads the configuration (or uses cfg), opens and locks the
// state and prepares providers. It reports problems itself and returns nil
// on failure.
func (m *Meta) openSession(ctx context.Context, cfg *lang.Config, op string, f *opFlags) *session {
	ws := m.workspace()
	st, err := m.openStore(ctx, cfg)
	if err != nil {
		m.errorf("%s", err)
		return nil
	}
	s := &session{m: m, cfg: cfg, ws: ws, store: st}
	s.done = append(s.done, func() { st.Close() })
	if f.lock {
		lock, ok := m.lockState(ctx, st, ws, op, f.lockTimeout)
		if !ok {
			s.close()
			return nil
		}
		s.done = append(s.done, func() { _ = lock.Unlock(context.Background()) })
	}
	settings := m.settings(cfg, ws)
	s.provs = plan.NewProviders(m.providers(settings), settings).Offer(m.Bundled...)
	s.done = append(s.done, func() { _ = s.provs.Close(); m.closeStarted() })
	// The plugins start while the state is read.
	s.provs.Start(ctx, plan.Needed(cfg))
	prior, ok := m.readState(ctx, st, ws)
	if !ok {
		s.close()
		return nil
	}
	s.prior = prior
	return s
}
