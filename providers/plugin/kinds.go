package plugin

import (
	"sort"
	"strings"

	"github.com/mltf/mltf/providers"
)

// kindList renders the kind names for a message: "cluster and training".
func kindList(kinds map[string]providers.Kind) string {
	if len(kinds) == 0 {
		return "no kinds"
	}
	names := make([]string, 0, len(kinds))
	for n := range kinds {
		names = append(names, `"`+n+`"`)
	}
	sort.Strings(names)
	if len(names) == 1 {
		return "only " + names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
