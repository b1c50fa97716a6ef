package command

import (
	"github.com/mltf/mltf/lang"
)

// installProviders installs third-party providers; bundled ones need nothing.
func (c *InitCommand) installProviders(cfg *lang.Config, mirror string, upgrade bool) int {
	return 0
}
