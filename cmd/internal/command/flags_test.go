package command

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/cli"
)

// TestUnknownFlagsAreErrors runs every command with a flag it does not
// have: each one refuses it, names it, and asks hashicorp/cli for its own
// usage (cli.RunResultHelp) before doing anything else. A command added
// to All is checked without being listed here.
func TestUnknownFlagsAreErrors(t *testing.T) {
	var stderr bytes.Buffer
	deps := Deps{Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: &stderr, WorkDir: t.TempDir()}
	all := All(deps)
	for name, factory := range all {
		t.Run(name, func(t *testing.T) {
			stderr.Reset()
			c, err := factory()
			if err != nil {
				t.Fatal(err)
			}
			if code := c.Run([]string{"-no-such-flag"}); code != cli.RunResultHelp {
				t.Fatalf("exit %d, want cli.RunResultHelp (the command's usage)\nstderr:\n%s", code, stderr.String())
			}
			if isParent(name, all) {
				return // the parent prints its subcommands' list
			}
			if !strings.Contains(stderr.String(), "has no option -no-such-flag") {
				t.Errorf("stderr does not name the flag:\n%s", stderr.String())
			}
		})
	}
}

func isParent(name string, all map[string]cli.CommandFactory) bool {
	for n := range all {
		if strings.HasPrefix(n, name+" ") {
			return true
		}
	}
	return false
}

func TestParseArgs(t *testing.T) {
	cases := []struct {
		name string
		args []string
		rest []string
		json bool
		n    int
	}{
		{"flags first", []string{"-json", "-n", "3", "a", "b"}, []string{"a", "b"}, true, 3},
		{"flags after arguments", []string{"a", "-json", "b", "-n=4"}, []string{"a", "b"}, true, 4},
		{"dash is an argument", []string{"-", "-json"}, []string{"-"}, true, 0},
		{"double dash ends flags", []string{"a", "--", "-json"}, []string{"a", "-json"}, false, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := &Meta{Deps: Deps{Stderr: &bytes.Buffer{}}}
			fs := m.flagSet("test")
			asJSON := fs.Bool("json", false, "")
			n := fs.Int("n", 0, "")
			rest, ok := m.parseArgs(fs, tc.args)
			if !ok {
				t.Fatalf("parseArgs failed: %s", m.Stderr)
			}
			if diff := cmp.Diff(tc.rest, rest); diff != "" {
				t.Errorf("arguments (-want +got):\n%s", diff)
			}
			if *asJSON != tc.json || *n != tc.n {
				t.Errorf("-json %v -n %d, want %v %d", *asJSON, *n, tc.json, tc.n)
			}
		})
	}
}

func TestFlagErrorSuggests(t *testing.T) {
	var stderr bytes.Buffer
	m := &Meta{Deps: Deps{Stderr: &stderr}}
	fs := m.flagSet("apply")
	fs.Int("parallelism", 10, "")
	if _, ok := m.parseArgs(fs, []string{"-paralelism=3"}); ok {
		t.Fatal("a misspelled flag parsed")
	}
	if want := "Error: mltf apply has no option -paralelism. Did you mean -parallelism?"; !strings.Contains(stderr.String(), want) {
		t.Errorf("got %q, want %q", stderr.String(), want)
	}
}
