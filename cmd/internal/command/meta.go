package command

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/apparentlymart/go-versions/versions"
	"github.com/apparentlymart/go-versions/versions/constraints"
	"github.com/hashicorp/hcl/v2"
	"github.com/mattn/go-isatty"

	"github.com/mltf/mltf/cmd/internal/views"
	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/plan"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/state"
	"github.com/mltf/mltf/state/store"
)

// Version is mltf's version.
const Version = "0.1.0"

// Defaults for the mltf {} settings.
const (
	DefaultStateURL     = "file://.mltf/state"
	DefaultTrackingURL  = "sqlite://.mltf/tracking.db"
	DefaultArtifactsURL = "file://.mltf/artifacts"
)

// Deps are what every command needs from main.
type Deps struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// WorkDir is the directory after -chdir.
	WorkDir string
	// Providers starts a provider by name for a working directory.
	Providers func(settings providers.Settings) plan.Factory
	// Bundled names the providers the mltf binary serves itself.
	Bundled []string
	Environ []string
}

// Meta is the shared part of every command.
type Meta struct {
	Deps
	// started are providers started while loading the configuration, to
	// learn their kinds, kept for the operation (see providers).
	started map[string]providers.Interface
	// stop, when set, interrupts the operation when it ends, instead of
	// SIGINT and SIGTERM: mltf server applies pipelines so, and stops them
	// itself.
	stop context.Context
}

// flagSet returns a flag set for parseArgs.
func (m *Meta) flagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseArgs parses args into fs and returns the arguments that are not
// flags. Flags and arguments may come in any order; "--" ends the flags.
// On a flag that fs does not define, or a bad value, it says so on stderr
// and returns false: the command then returns cli.RunResultHelp, which
// prints the command's own usage after the error. Every command parses its
// arguments here, even one without flags, so that no flag is ever ignored.
func (m *Meta) parseArgs(fs *flag.FlagSet, args []string) ([]string, bool) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if !errors.Is(err, flag.ErrHelp) {
				views.FlagError(m.Stderr, flagError(fs, err))
			}
			return nil, false
		}
		left := fs.Args()
		if len(left) == 0 {
			return rest, true
		}
		if n := len(args) - len(left); n > 0 && args[n-1] == "--" {
			return append(rest, left...), true
		}
		rest, args = append(rest, left[0]), left[1:]
	}
}

// flagError says what is wrong with a flag in words, with the nearest
// flag the command has when one was misspelled.
func flagError(fs *flag.FlagSet, err error) string {
	name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: ")
	if !ok {
		return fmt.Sprintf("mltf %s: %s", fs.Name(), err)
	}
	msg := fmt.Sprintf("mltf %s has no option %s.", fs.Name(), name)
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	if s := nearest(strings.TrimLeft(name, "-"), names); s != "" {
		msg += fmt.Sprintf(" Did you mean -%s?", s)
	}
	return msg
}

// parseNoArgs is parseArgs for a command that takes only flags.
func (m *Meta) parseNoArgs(fs *flag.FlagSet, args []string) bool {
	rest, ok := m.parseArgs(fs, args)
	if ok && len(rest) > 0 {
		views.FlagError(m.Stderr, fmt.Sprintf("unexpected argument %q: mltf %s takes no arguments", rest[0], fs.Name()))
		return false
	}
	return ok
}

// diagView renders diagnostics with the configuration's sources.
func (m *Meta) diagView(cfg *lang.Config) *views.Diagnostics {
	var files map[string]*hcl.File
	if cfg != nil {
		files = cfg.Files
	}
	return views.NewDiagnostics(m.Stderr, files, m.color())
}

func (m *Meta) color() bool {
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	if f, ok := m.Stderr.(*os.File); ok {
		return isatty.IsTerminal(f.Fd())
	}
	return false
}

// stdoutIsTerminal says whether live progress can redraw lines.
func (m *Meta) stdoutIsTerminal() bool {
	if f, ok := m.Stdout.(*os.File); ok {
		return isatty.IsTerminal(f.Fd())
	}
	return false
}

func (m *Meta) stdinIsTerminal() bool {
	if f, ok := m.Stdin.(*os.File); ok {
		return isatty.IsTerminal(f.Fd())
	}
	return false
}

// loadConfig loads the configuration of the working directory, with the
// kinds of mltf and of the providers it requires, and checks its
// required_version.
func (m *Meta) loadConfig() (*lang.Config, hcl.Diagnostics) {
	return m.loadConfigAfter(nil)
}

// loadConfigAfter is loadConfig with a step once the mltf {} settings are
// known and before the required providers are asked for their kinds.
func (m *Meta) loadConfigAfter(before func(*lang.Settings)) (*lang.Config, hcl.Diagnostics) {
	kt := m.kindTable(before)
	cfg, diags := lang.LoadDir(m.WorkDir, kt.table)
	diags = append(diags, kt.explain(diags)...)
	if cfg != nil && cfg.Settings != nil && cfg.Settings.RequiredVersion != "" {
		diags = append(diags, checkRequiredVersion(cfg.Settings)...)
	}
	if !diags.HasErrors() {
		_, ds := m.encryption(cfg)
		diags = append(diags, ds...)
	}
	return cfg, diags
}

// checkRequiredVersion checks mltf's version against required_version.
func checkRequiredVersion(s *lang.Settings) hcl.Diagnostics {
	rng := s.DeclRange.Ptr()
	cons, err := constraints.ParseRubyStyleMulti(s.RequiredVersion)
	if err != nil {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid required_version", Detail: fmt.Sprintf("%q is not a version constraint: %s. Write constraints like \">= 0.1, < 1.0\".", s.RequiredVersion, err), Subject: rng}}
	}
	v := versions.MustParseVersion(Version)
	if !versions.MeetingConstraints(cons).Has(v) {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Unsupported mltf version", Detail: fmt.Sprintf("This configuration requires mltf %s, but this is mltf %s. Install a matching mltf, or change required_version.", s.RequiredVersion, Version), Subject: rng}}
	}
	return nil
}

// settings resolves the mltf {} block against the defaults.
func (m *Meta) settings(cfg *lang.Config, workspace string) providers.Settings {
	s := providers.Settings{
		WorkDir:      m.WorkDir,
		Workspace:    workspace,
		TrackingURL:  DefaultTrackingURL,
		ArtifactsURL: DefaultArtifactsURL,
		RunsDir:      filepath.Join(m.WorkDir, ".mltf", "runs"),
	}
	if cfg != nil && cfg.Settings != nil {
		if cfg.Settings.TrackingURL != "" {
			s.TrackingURL = cfg.Settings.TrackingURL
		}
		if cfg.Settings.ArtifactsURL != "" {
			s.ArtifactsURL = cfg.Settings.ArtifactsURL
		}
	}
	// As MLTF_STATE_URL for the state: a CI job points one configuration
	// at the team's stores without editing it.
	if env := os.Getenv("MLTF_TRACKING_URL"); env != "" {
		s.TrackingURL = env
	}
	if env := os.Getenv("MLTF_ARTIFACTS_URL"); env != "" {
		s.ArtifactsURL = env
	}
	return s
}

func (m *Meta) stateURL(cfg *lang.Config) string {
	if env := os.Getenv("MLTF_STATE_URL"); env != "" {
		return env
	}
	if cfg != nil && cfg.Settings != nil && cfg.Settings.StateURL != "" {
		return cfg.Settings.StateURL
	}
	return DefaultStateURL
}

// openStore opens the state store of the configuration.
func (m *Meta) openStore(ctx context.Context, cfg *lang.Config) (*store.Store, error) {
	enc, diags := m.encryption(cfg)
	if diags.HasErrors() {
		return nil, fmt.Errorf("cannot open the state store %s: the encryption block: %s", store.RedactURL(m.stateURL(cfg)), diags.Error())
	}
	opts := []store.Option{store.WithMltfVersion(Version)}
	if t := enc.Target("state"); t != nil {
		opts = append(opts, store.WithEncryption(t))
	}
	s, err := store.Open(ctx, m.stateURL(cfg), m.WorkDir, opts...)
	if err != nil {
		return nil, fmt.Errorf("cannot open the state store %s: %w", store.RedactURL(m.stateURL(cfg)), err)
	}
	return s, nil
}

// workspace is the selected workspace: MLTF_WORKSPACE, else the one
// recorded by mltf workspace select, else "default".
func (m *Meta) workspace() string {
	if ws := os.Getenv("MLTF_WORKSPACE"); ws != "" {
		return ws
	}
	b, err := os.ReadFile(filepath.Join(m.WorkDir, ".mltf", "environment"))
	if err == nil && strings.TrimSpace(string(b)) != "" {
		return strings.TrimSpace(string(b))
	}
	return "default"
}

func (m *Meta) setWorkspace(ws string) error {
	dir := filepath.Join(m.WorkDir, ".mltf")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "environment"), []byte(ws+"\n"), 0o644)
}

// lockState takes the state lock, reporting a held lock clearly.
func (m *Meta) lockState(ctx context.Context, st *store.Store, ws, op string, timeout time.Duration) (*store.Lock, bool) {
	lock, err := st.Lock(ctx, ws, op, timeout)
	if err != nil {
		var le *store.LockedError
		if errors.As(err, &le) {
			m.errorf("Error acquiring the state lock\n\n%s", le.Error())
		} else {
			m.errorf("Error acquiring the state lock\n\n%s", err)
		}
		return nil, false
	}
	return lock, true
}

func (m *Meta) errorf(format string, args ...any) {
	views.Error(m.Stderr, fmt.Sprintf(format, args...))
}

// interruptible returns a context cancelled by the first SIGINT or
// SIGTERM; a second one exits at once. With m.stop set, it is cancelled
// when m.stop ends, and signals are left to the caller.
func (m *Meta) interruptible() (context.Context, func()) {
	if m.stop != nil {
		return context.WithCancel(m.stop)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case <-ch:
			views.Interrupted(m.Stderr)
			cancel()
		case <-ctx.Done():
			return
		}
		select {
		case <-ch:
			views.InterruptedTwice(m.Stderr)
			os.Exit(1)
		case <-time.After(10 * time.Minute):
		}
	}()
	return ctx, func() { signal.Stop(ch); cancel() }
}

// readState reads the workspace's state.
func (m *Meta) readState(ctx context.Context, st *store.Store, ws string) (*state.State, bool) {
	s, err := st.Read(ctx, ws)
	if err != nil {
		m.errorf("Cannot read state\n\n%s", err)
		return nil, false
	}
	return s, true
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// varFlags records -var and -var-file in command-line order.
type varFlags struct {
	items *[][2]string
	name  string
}

func (v varFlags) String() string { return "" }
func (v varFlags) Set(s string) error {
	*v.items = append(*v.items, [2]string{v.name, s})
	return nil
}
