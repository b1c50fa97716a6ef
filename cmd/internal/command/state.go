package command

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/hashicorp/cli"

	"github.com/mltf/mltf/cmd/internal/views"
	"github.com/mltf/mltf/kinds"
	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/state"
	"github.com/mltf/mltf/state/store"
)

// StateCommand is mltf state, which only lists its subcommands.
type StateCommand struct{ Meta }

func (c *StateCommand) Synopsis() string { return "Inspect and change the state" }
func (c *StateCommand) Help() string {
	return strings.TrimSpace(`
Usage: mltf [global options] state <subcommand> [options] [args]

  list                 List the instances in the state
  show ADDR            Show one instance's attributes
  rm ADDR...           Forget instances (the objects themselves are left alone)
  mv SRC DST           Rename an instance in the state
  pull [-serial N]     Print the state document (or an earlier serial)
  push [-force] FILE   Replace the state with FILE
  history              List the stored serials
`)
}
func (c *StateCommand) Run(args []string) int { return cli.RunResultHelp }

// instanceAddrs lists the state's instance addresses, sorted.
func instanceAddrs(st *state.State) []string {
	var ret []string
	for addr, r := range st.Resources {
		for key := range r.Instances {
			ret = append(ret, state.InstanceAddr(addr, key))
		}
	}
	sort.Strings(ret)
	return ret
}

// StateListCommand is mltf state list.
type StateListCommand struct{ Meta }

func (c *StateListCommand) Synopsis() string { return "List the instances in the state" }
func (c *StateListCommand) Help() string {
	return "Usage: mltf state list [ADDR...]\n\n  Lists instance addresses, optionally only those under the given resource addresses."
}
func (c *StateListCommand) Run(args []string) int {
	args, ok := c.parseArgs(c.flagSet("state list"), args)
	if !ok {
		return cli.RunResultHelp
	}
	st, ok := c.currentState()
	if !ok {
		return 1
	}
	var addrs []string
	for _, a := range instanceAddrs(st) {
		if len(args) == 0 || matchesAny(a, args) {
			addrs = append(addrs, a)
		}
	}
	views.Lines(c.Stdout, addrs)
	return 0
}

func matchesAny(addr string, prefixes []string) bool {
	for _, p := range prefixes {
		if addr == p || strings.HasPrefix(addr, p+"[") {
			return true
		}
	}
	return false
}

// findInstance resolves an address to a resource and key in st.
func findInstance(st *state.State, s string) (*state.Resource, string, error) {
	a, diags := lang.ParseInstanceAddr(s, stateKinds(kinds.Builtin(), st))
	if diags.HasErrors() {
		return nil, "", fmt.Errorf("%s", diags[0].Detail)
	}
	r := st.Resources[a.Resource.String()]
	if r == nil || r.Instances[string(a.Key)] == nil {
		return nil, "", fmt.Errorf("%s is not in the state; mltf state list shows what is", s)
	}
	return r, string(a.Key), nil
}

// StateShowCommand is mltf state show.
type StateShowCommand struct{ Meta }

func (c *StateShowCommand) Synopsis() string { return "Show one instance in the state" }
func (c *StateShowCommand) Help() string     { return "Usage: mltf state show ADDR" }
func (c *StateShowCommand) Run(args []string) int {
	args, ok := c.parseArgs(c.flagSet("state show"), args)
	if !ok {
		return cli.RunResultHelp
	}
	if len(args) != 1 {
		c.errorf("mltf state show takes one address, such as training.mlp")
		return 1
	}
	st, ok := c.currentState()
	if !ok {
		return 1
	}
	r, key, err := findInstance(st, args[0])
	if err != nil {
		c.errorf("%s", err)
		return 1
	}
	inst := r.Instances[key]
	views.StateInstance(c.Stdout, args[0], r, inst)
	return 0
}

// stateMutation runs fn on the locked state and writes the result.
func (m *Meta) stateMutation(op string, fn func(st *state.State) error) int {
	return m.withStore(func(ctx context.Context, s *store.Store, ws string) int {
		lock, ok := m.lockState(ctx, s, ws, op, 0)
		if !ok {
			return 1
		}
		defer lock.Unlock(context.Background())
		st, ok := m.readState(ctx, s, ws)
		if !ok {
			return 1
		}
		if err := fn(st); err != nil {
			m.errorf("%s", err)
			return 1
		}
		if err := s.Write(ctx, ws, st); err != nil {
			m.errorf("Cannot save state\n\n%s", err)
			return 1
		}
		return 0
	})
}

// StateRmCommand is mltf state rm.
type StateRmCommand struct{ Meta }

func (c *StateRmCommand) Synopsis() string { return "Forget instances without destroying them" }
func (c *StateRmCommand) Help() string {
	return "Usage: mltf state rm ADDR...\n\n  mltf forgets the instances; the objects (runs, namespaces, experiments) stay."
}
func (c *StateRmCommand) Run(args []string) int {
	args, ok := c.parseArgs(c.flagSet("state rm"), args)
	if !ok {
		return cli.RunResultHelp
	}
	if len(args) == 0 {
		c.errorf("mltf state rm takes one or more addresses")
		return 1
	}
	return c.stateMutation("state rm", func(st *state.State) error {
		for _, a := range args {
			r, key, err := findInstance(st, a)
			if err != nil {
				return err
			}
			st.SetInstance(r.Addr, r.Kind, r.Name, r.Provider, key, nil)
			views.StateRemoved(c.Stdout, a)
		}
		return nil
	})
}

// StateMvCommand is mltf state mv.
type StateMvCommand struct{ Meta }

func (c *StateMvCommand) Synopsis() string { return "Rename an instance in the state" }
func (c *StateMvCommand) Help() string     { return "Usage: mltf state mv SRC DST" }
func (c *StateMvCommand) Run(args []string) int {
	args, ok := c.parseArgs(c.flagSet("state mv"), args)
	if !ok {
		return cli.RunResultHelp
	}
	if len(args) != 2 {
		c.errorf("mltf state mv takes a source and a destination address")
		return 1
	}
	return c.stateMutation("state mv", func(st *state.State) error {
		r, key, err := findInstance(st, args[0])
		if err != nil {
			return err
		}
		dst, diags := lang.ParseInstanceAddr(args[1], stateKinds(kinds.Builtin(), st))
		if diags.HasErrors() {
			return fmt.Errorf("%s", diags[0].Detail)
		}
		if dst.Resource.Kind != r.Kind {
			return fmt.Errorf("cannot move a %s to a %s address", r.Kind, dst.Resource.Kind)
		}
		if st.Instance(dst.Resource.String(), string(dst.Key)) != nil {
			return fmt.Errorf("%s already exists in the state", args[1])
		}
		inst := r.Instances[key]
		st.SetInstance(r.Addr, r.Kind, r.Name, r.Provider, key, nil)
		st.SetInstance(dst.Resource.String(), dst.Resource.Kind, dst.Resource.Name, r.Provider, string(dst.Key), inst)
		views.StateMoved(c.Stdout, args[0], args[1])
		return nil
	})
}

// StatePullCommand is mltf state pull.
type StatePullCommand struct{ Meta }

func (c *StatePullCommand) Synopsis() string { return "Print the state document" }
func (c *StatePullCommand) Help() string {
	return "Usage: mltf state pull [-serial N]\n\n  Prints the current state, or the stored version with serial N (see mltf state history)."
}
func (c *StatePullCommand) Run(args []string) int {
	var serial uint64
	fs := c.flagSet("state pull")
	fs.Uint64Var(&serial, "serial", 0, "print this earlier serial")
	if !c.parseNoArgs(fs, args) {
		return cli.RunResultHelp
	}
	return c.withStore(func(ctx context.Context, s *store.Store, ws string) int {
		var st *state.State
		var err error
		if serial > 0 {
			st, err = s.ReadVersion(ctx, ws, serial)
		} else {
			st, err = s.Read(ctx, ws)
		}
		if err != nil {
			c.errorf("Cannot read state\n\n%s", err)
			return 1
		}
		b, err := state.Encode(st)
		if err != nil {
			c.errorf("%s", err)
			return 1
		}
		views.Document(c.Stdout, b)
		return 0
	})
}

// StatePushCommand is mltf state push.
type StatePushCommand struct{ Meta }

func (c *StatePushCommand) Synopsis() string { return "Replace the state with a file" }
func (c *StatePushCommand) Help() string {
	return "Usage: mltf state push [-force] FILE\n\n  FILE may be - for standard input. Without -force, a state of another lineage or an older serial is refused."
}
func (c *StatePushCommand) Run(args []string) int {
	var force bool
	fs := c.flagSet("state push")
	fs.BoolVar(&force, "force", false, "push even with another lineage or an older serial")
	args, ok := c.parseArgs(fs, args)
	if !ok {
		return cli.RunResultHelp
	}
	if len(args) != 1 {
		c.errorf("mltf state push takes one file (or - for standard input)")
		return 1
	}
	var b []byte
	var err error
	if args[0] == "-" {
		b, err = io.ReadAll(c.Stdin)
	} else {
		b, err = os.ReadFile(args[0])
	}
	if err != nil {
		c.errorf("%s", err)
		return 1
	}
	pushed, err := state.Decode(b)
	if err != nil {
		c.errorf("The file is not a valid state document\n\n%s", err)
		return 1
	}
	return c.stateMutation("state push", func(st *state.State) error {
		if !force && len(st.Resources) > 0 && pushed.Lineage != st.Lineage {
			return fmt.Errorf("the pushed state has lineage %s but the stored one has %s: it belongs to another configuration. Use -force if you are sure", pushed.Lineage, st.Lineage)
		}
		if !force && pushed.Serial < st.Serial {
			return fmt.Errorf("the pushed state has serial %d, older than the stored %d. Use -force to roll back on purpose", pushed.Serial, st.Serial)
		}
		lineage := st.Lineage
		*st = *pushed
		st.Serial = 0
		if force {
			st.Lineage = lineage
		}
		return nil
	})
}

// StateHistoryCommand is mltf state history.
type StateHistoryCommand struct{ Meta }

func (c *StateHistoryCommand) Synopsis() string { return "List the stored state serials" }
func (c *StateHistoryCommand) Help() string {
	return "Usage: mltf state history\n\n  Every serial is kept; inspect one with mltf state pull -serial N and restore it with mltf state push -force."
}
func (c *StateHistoryCommand) Run(args []string) int {
	if !c.parseNoArgs(c.flagSet("state history"), args) {
		return cli.RunResultHelp
	}
	return c.withStore(func(ctx context.Context, s *store.Store, ws string) int {
		vs, err := s.History(ctx, ws)
		if err != nil {
			c.errorf("%s", err)
			return 1
		}
		views.StateHistory(c.Stdout, vs)
		return 0
	})
}
