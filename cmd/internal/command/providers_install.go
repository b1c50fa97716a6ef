package command

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"

	"github.com/mltf/mltf/cmd/internal/views"
	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/providers/install"
)

// installProviders installs the third-party providers the configuration
// requires; bundled ones need nothing.
func (c *InitCommand) installProviders(cfg *lang.Config, mirror string, upgrade bool) int {
	reqs := requirements(cfg)
	if len(reqs) == 0 {
		return 0
	}
	if mirror == "" {
		for _, r := range reqs {
			if r.Source == "" {
				c.errorf("No provider mirror\n\nThe configuration requires provider %q; give a mirror directory or blob URL with -plugin-dir=DIR (or MLTF_PROVIDER_MIRROR), laid out as NAME/VERSION/OS_ARCH/.", r.Name)
				return 1
			}
		}
	}
	lock, err := install.Install(context.Background(), reqs, mirror, filepath.Join(c.WorkDir, install.LockFile), upgrade)
	if err != nil {
		c.errorf("Cannot install providers\n\n%s", err)
		return 1
	}
	names := make([]string, 0, len(lock.Providers))
	for n := range lock.Providers {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		views.ProviderInstalled(c.Stdout, n, lock.Providers[n].Version)
	}
	return 0
}

func requirements(cfg *lang.Config) []install.Requirement {
	var reqs []install.Requirement
	if cfg == nil || cfg.Settings == nil {
		return nil
	}
	for name, rp := range cfg.Settings.RequiredProviders {
		reqs = append(reqs, install.Requirement{Name: name, Source: rp.Source, Constraint: rp.Version})
	}
	sort.Slice(reqs, func(i, j int) bool { return reqs[i].Name < reqs[j].Name })
	return reqs
}

// InstalledProvider finds an installed provider's binary and checksum
// through the lock file of workDir.
func InstalledProvider(workDir, name string) (path, sum string, err error) {
	lock, err := install.ReadLock(filepath.Join(workDir, install.LockFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", "", fmt.Errorf("provider %q is neither bundled with mltf nor installed: declare it in mltf { required_providers } and run mltf init", name)
	}
	if err != nil {
		return "", "", err
	}
	return install.Locate(workDir, lock, name)
}
