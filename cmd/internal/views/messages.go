package views

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mltf/mltf/state/store"
	"github.com/mltf/mltf/state/tracking"
)

// Error renders an error of a command that is not a diagnostic of the
// configuration: "Error: " and the message, its first line the summary.
func Error(w io.Writer, msg string) {
	fmt.Fprintf(w, "\nError: %s\n\n", msg)
}

// FlagError renders a mistake in a command's flags or arguments; the
// command's usage follows it.
func FlagError(w io.Writer, msg string) {
	fmt.Fprintf(w, "Error: %s\n\n", msg)
}

// Interrupted says what the first Ctrl-C does.
func Interrupted(w io.Writer) {
	fmt.Fprintln(w, "\nInterrupt received: stopping gracefully (no new work starts; running trainings keep running and are re-attached by the next apply). Interrupt again to quit at once.")
}

// InterruptedTwice says what the second Ctrl-C does.
func InterruptedTwice(w io.Writer) {
	fmt.Fprintln(w, "Two interrupts received: exiting now. State saved so far loads; run mltf apply again to converge.")
}

// Version renders mltf version.
func Version(w io.Writer, version string) {
	fmt.Fprintf(w, "mltf v%s\n", version)
}

// Unlocked renders mltf force-unlock.
func Unlocked(w io.Writer) {
	fmt.Fprintln(w, "The state is unlocked.")
}

// Lines renders one item a line: mltf state list, mltf workspace show.
func Lines(w io.Writer, items []string) {
	for _, s := range items {
		fmt.Fprintln(w, s)
	}
}

// StateRemoved renders mltf state rm of one instance.
func StateRemoved(w io.Writer, addr string) {
	fmt.Fprintf(w, "Removed %s\n", addr)
}

// StateMoved renders mltf state mv.
func StateMoved(w io.Writer, from, to string) {
	fmt.Fprintf(w, "Moved %s to %s\n", from, to)
}

// StateHistory renders mltf state history: every stored serial.
func StateHistory(w io.Writer, vs []store.Version) {
	for _, v := range vs {
		fmt.Fprintf(w, "%6d  %s  %d bytes\n", v.Serial, v.Written.Format("2006-01-02 15:04:05Z07:00"), v.Size)
	}
}

// Workspaces renders mltf workspace list, the current one marked.
func Workspaces(w io.Writer, all []string, current string) {
	for _, ws := range all {
		mark := " "
		if ws == current {
			mark = "*"
		}
		fmt.Fprintf(w, "%s %s\n", mark, ws)
	}
}

// WorkspaceChanged renders mltf workspace new, select and delete: what
// happened ("Created and switched to", "Switched to", "Deleted").
func WorkspaceChanged(w io.Writer, what, name string) {
	fmt.Fprintf(w, "%s workspace %q.\n", what, name)
}

// Graph is the dependency graph mltf graph prints: nodes, their edges to
// what they depend on, and the graphs inside resources (a pipeline's
// steps) as dashed subgraphs.
type Graph struct {
	Nodes []string
	Edges map[string][]string
	Inner []InnerGraph
}

// InnerGraph is the graph inside one resource.
type InnerGraph struct {
	Addr  string
	Nodes []string    // "step/clean"
	Edges [][2]string // from, to: full node names or resource addresses
}

// GraphDot renders g in Graphviz's dot language.
func GraphDot(w io.Writer, g Graph) {
	fmt.Fprintln(w, "digraph mltf {\n  rankdir = \"RL\";\n  node [shape = box];")
	for _, n := range g.Nodes {
		fmt.Fprintf(w, "  %q;\n", n)
	}
	for _, n := range g.Nodes {
		for _, d := range g.Edges[n] {
			fmt.Fprintf(w, "  %q -> %q;\n", n, d)
		}
	}
	for _, in := range g.Inner {
		fmt.Fprintf(w, "  subgraph %q {\n    label = %q;\n    style = dashed;\n", "cluster_"+in.Addr, in.Addr)
		for _, n := range in.Nodes {
			fmt.Fprintf(w, "    %q [label = %q];\n", in.Addr+"/"+n, n)
		}
		fmt.Fprintln(w, "  }")
		for _, e := range in.Edges {
			fmt.Fprintf(w, "  %q -> %q;\n", e[0], e[1])
		}
	}
	fmt.Fprintln(w, "}")
}

// ProviderUse is a provider the configuration's resources use.
type ProviderUse struct {
	Name      string
	Bundled   bool
	Resources []string
}

// ProviderRequirement is an entry of required_providers and what is
// installed for it.
type ProviderRequirement struct {
	Name, Constraint, Source string
	// Installed is "installed vX", or what is wrong ("not installed: run
	// mltf init").
	Installed string
}

// Providers renders mltf providers: the providers the resources use, the
// required ones and what is installed, and the bundled ones.
func Providers(w io.Writer, used []ProviderUse, required []ProviderRequirement, bundled []string) {
	fmt.Fprintln(w, "Providers used by the configuration:")
	if len(used) == 0 {
		fmt.Fprintln(w, "  none: the configuration declares no resources")
	}
	for _, u := range used {
		origin := "bundled"
		if !u.Bundled {
			origin = "third-party"
		}
		fmt.Fprintf(w, "  %s (%s): %s\n", u.Name, origin, strings.Join(u.Resources, ", "))
	}
	if len(required) > 0 {
		fmt.Fprintln(w, "Providers required by the configuration:")
		for _, r := range required {
			fmt.Fprintf(w, "  %s %s (%s): %s\n", r.Name, r.Constraint, r.Source, r.Installed)
		}
	}
	fmt.Fprintf(w, "Bundled with mltf: %s\n", strings.Join(bundled, ", "))
}

// ProviderSchemasJSON renders mltf providers schema -json.
func ProviderSchemasJSON(w io.Writer, schemas map[string]any) {
	writeJSON(w, map[string]any{"format_version": JSONFormatVersion, "provider_schemas": schemas})
}

// ServerStart is what mltf server says when it listens.
type ServerStart struct {
	URL, Tracking, Workspace string
	// NoTokens says that no API token exists yet.
	NoTokens bool
}

// ServerListening renders the start of mltf server.
func ServerListening(w io.Writer, s ServerStart) {
	fmt.Fprintf(w, "mltf server listening on %s\n  tracking  %s\n  workspace %s\n", s.URL, s.Tracking, s.Workspace)
	if s.NoTokens {
		fmt.Fprintln(w, "  no tokens yet: every /api request is refused until you run mltf server token create -role admin")
	}
}

// ServerStopped renders the end of mltf server.
func ServerStopped(w io.Writer) {
	fmt.Fprintln(w, "mltf server stopped.")
}

// TokenCreated renders mltf server token create: the secret alone on out
// (for scripts), what it is on info.
func TokenCreated(out, info io.Writer, t tracking.Token, secret string) {
	fmt.Fprintln(out, secret)
	name := ""
	if t.Name != "" {
		name = ", " + t.Name
	}
	fmt.Fprintf(info, "Token %s (%s%s) created. The secret above is shown once: keep it; send it as Authorization: Bearer TOKEN.\n", t.ID, t.Role, name)
}

// Tokens renders mltf server token list.
func Tokens(w io.Writer, toks []tracking.Token) {
	listTable(w, toks, "No tokens: mltf server token create -role admin makes one.", "ID\tROLE\tNAME\tCREATED\tREVOKED", func(t tracking.Token) string {
		revoked := "-"
		if !t.Revoked.IsZero() {
			revoked = t.Revoked.Local().Format("2006-01-02 15:04")
		}
		return fmt.Sprintf("%s\t%s\t%s\t%s\t%s", t.ID, t.Role, OrDash(t.Name), t.Created.Local().Format("2006-01-02 15:04"), revoked)
	})
}

// TokenRevoked renders mltf server token revoke.
func TokenRevoked(w io.Writer, id string) {
	fmt.Fprintf(w, "Token %s revoked; servers refuse it within 5 seconds.\n", id)
}

// Initialized renders the end of mltf init.
func Initialized(w io.Writer) {
	fmt.Fprintln(w, "\nmltf has been initialized. Run mltf plan to see what it would do.")
}

// ProviderInstalled renders one provider mltf init installed.
func ProviderInstalled(w io.Writer, name, version string) {
	fmt.Fprintf(w, "- Installed provider %s v%s\n", name, version)
}

// Valid renders mltf validate of a valid configuration.
func Valid(w io.Writer) {
	fmt.Fprintln(w, "Success! The configuration is valid.")
}

// PlanSaved renders the end of mltf plan -out.
func PlanSaved(w io.Writer, path string) {
	fmt.Fprintf(w, "\nSaved the plan to %s. To apply exactly this plan: mltf apply %q\n", path, path)
}

// Formatted renders what mltf fmt changed: the file's path (with -list)
// and its diff (with -diff).
func Formatted(w io.Writer, path, diff string, list bool) {
	if list {
		fmt.Fprintln(w, path)
	}
	fmt.Fprint(w, diff)
}

// UnknownCommand renders a command mltf does not have, with the one
// meant when it is close.
func UnknownCommand(w io.Writer, name, meant string) {
	msg := fmt.Sprintf("Error: mltf has no command %q.", name)
	if meant != "" {
		msg += fmt.Sprintf(" Did you mean %q?", meant)
	}
	fmt.Fprintf(w, "%s\n\nmltf -help lists the commands.\n", msg)
}

// SchedulerLine renders one line of mltf scheduler's log.
func SchedulerLine(w io.Writer, at time.Time, line string) {
	fmt.Fprintf(w, "%s %s\n", at.Format(time.TimeOnly), line)
}

// NoOutputs renders mltf output when the state has none.
func NoOutputs(w io.Writer) {
	fmt.Fprintln(w, "No outputs found. Declare output blocks and run mltf apply.")
}

// Document renders a document that is already encoded: mltf show -json
// and mltf state pull print the state document as it is stored.
func Document(w io.Writer, b []byte) {
	w.Write(b)
}
