package command

import (
	"io"
	"sort"
	"strings"

	"github.com/hashicorp/cli"
	"github.com/mltf/mltf/cmd/internal/views"
	"github.com/mltf/mltf/lang"
)

// UnknownCommand reports whether args start with a word that names no
// command; if so it says so on w, with the nearest command's name when one
// is close.
func UnknownCommand(w io.Writer, args []string, commands map[string]cli.CommandFactory, hidden []string) bool {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return false
	}
	name := args[0]
	var names []string
	for full := range commands {
		top, _, _ := strings.Cut(full, " ")
		if top == name {
			return false
		}
		names = append(names, top)
	}
	for _, h := range hidden {
		if h == name {
			return false
		}
	}
	sort.Strings(names)
	views.UnknownCommand(w, name, nearest(name, names))
	return true
}

// nearest is the name closest to s, if it is close enough to be what s
// meant.
func nearest(s string, names []string) string { return lang.Suggest(s, names) }
