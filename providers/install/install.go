package install

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/apparentlymart/go-versions/versions"

	"github.com/mltf/mltf/providers/plugin"
)

// Requirement is one required_providers entry.
type Requirement struct {
	Name string
	// Source is where the provider comes from: a mirror directory or blob
	// URL that overrides the mirror argument of Install, or a label
	// recorded in the lock.
	Source string
	// Constraint selects versions: ">= 1.2, < 2.0", "~> 1.2", "1.4.0".
	// Empty means any version.
	Constraint string
}

var validName = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

// Install installs every requirement from the mirror (a directory or a
// gocloud blob URL) into .mltf/providers/ beside lockPath and writes the
// lock file. Without upgrade a provider already in the lock keeps its
// locked version and must still have a locked checksum; with upgrade the
// newest matching version is chosen and the lock entry rewritten. On any
// error nothing is written to the lock and every problem is reported.
func Install(ctx context.Context, reqs []Requirement, mirror string, lockPath string, upgrade bool) (Lock, error) {
	old, err := ReadLock(lockPath)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Lock{}, err
	}
	if old.Providers == nil {
		old.Providers = map[string]LockedProvider{}
	}
	workDir := filepath.Dir(lockPath)
	reqs = slices.Clone(reqs)
	sort.Slice(reqs, func(i, j int) bool { return reqs[i].Name < reqs[j].Name })

	mirrors := map[string]*source{}
	defer func() {
		for _, m := range mirrors {
			m.Close()
		}
	}()
	open := func(where string) (*source, error) {
		if m, ok := mirrors[where]; ok {
			return m, nil
		}
		m, err := openMirror(ctx, where)
		if err != nil {
			return nil, err
		}
		mirrors[where] = m
		return m, nil
	}

	ret := Lock{Providers: map[string]LockedProvider{}}
	var errs []error
	for _, r := range reqs {
		where := mirror
		if isLocation(r.Source) {
			where = r.Source
		}
		if where == "" {
			errs = append(errs, fmt.Errorf("provider %q: no mirror to install it from: set its source in required_providers to a directory or URL, or give mltf init a mirror", r.Name))
			continue
		}
		m, err := open(where)
		if err != nil {
			errs = append(errs, fmt.Errorf("provider %q: %w", r.Name, err))
			continue
		}
		locked, isLocked := old.Providers[r.Name]
		lp, err := installOne(ctx, m, r, workDir, locked, isLocked && !upgrade)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ret.Providers[r.Name] = lp
	}
	if len(errs) > 0 {
		return Lock{}, errors.Join(errs...)
	}
	if err := WriteLock(lockPath, ret); err != nil {
		return Lock{}, fmt.Errorf("writing %s: %w", lockPath, err)
	}
	return ret, nil
}

func installOne(ctx context.Context, m *source, r Requirement, workDir string, locked LockedProvider, keepLocked bool) (LockedProvider, error) {
	if !validName.MatchString(r.Name) {
		return LockedProvider{}, fmt.Errorf("%q is not a valid provider name: use lower case letters, digits, '-' and '_'", r.Name)
	}
	allowed := versions.Released // no constraint: any release, never a pre-release
	if strings.TrimSpace(r.Constraint) != "" {
		set, err := versions.MeetingConstraintsStringRuby(r.Constraint)
		if err != nil {
			return LockedProvider{}, fmt.Errorf("provider %q: invalid version constraint %q: %s; write constraints like \">= 1.2, < 2.0\" or \"~> 1.2\"", r.Name, r.Constraint, err)
		}
		allowed = set
	}
	available, err := m.versions(ctx, r.Name)
	if err != nil {
		return LockedProvider{}, fmt.Errorf("provider %q: %w", r.Name, err)
	}
	if len(available) == 0 {
		return LockedProvider{}, fmt.Errorf("provider %q: not found in the mirror %s (looked for %s)", r.Name, m.where, mirrorKey(r.Name, "VERSION", Platform()))
	}

	var chosen versions.Version
	if keepLocked {
		if keepLocked && locked.Source != r.Source {
			return LockedProvider{}, fmt.Errorf("provider %q: its source changed from %q to %q since mltf init: run mltf init -upgrade", r.Name, locked.Source, r.Source)
		}
		lv, err := versions.ParseVersion(locked.Version)
		if err != nil {
			return LockedProvider{}, fmt.Errorf("provider %q: %s has an invalid version %q: run mltf init -upgrade", r.Name, LockFile, locked.Version)
		}
		if !allowed.Has(lv) {
			return LockedProvider{}, fmt.Errorf("provider %q: %s pins version %s, which does not match the constraint %q: run mltf init -upgrade", r.Name, LockFile, locked.Version, r.Constraint)
		}
		chosen = lv
	} else {
		for i := len(available) - 1; i >= 0; i-- {
			v := available[i]
			if !allowed.Has(v) {
				continue
			}
			ok, err := m.has(ctx, mirrorKey(r.Name, v.String(), Platform()))
			if err != nil {
				return LockedProvider{}, fmt.Errorf("provider %q: %w", r.Name, err)
			}
			if ok {
				chosen = v
				break
			}
		}
		if chosen == versions.Unspecified {
			return LockedProvider{}, fmt.Errorf("provider %q: no version in the mirror %s matches %q for %s; the mirror has %s",
				r.Name, m.where, r.Constraint, Platform(), versionList(available))
		}
	}
	version := chosen.String()
	key := mirrorKey(r.Name, version, Platform())
	if ok, err := m.has(ctx, key); err != nil {
		return LockedProvider{}, fmt.Errorf("provider %q: %w", r.Name, err)
	} else if !ok {
		return LockedProvider{}, fmt.Errorf("provider %q: the mirror %s has no %s (version %s for %s)", r.Name, m.where, key, version, Platform())
	}
	bin, sum, err := m.binary(ctx, key)
	if err != nil {
		return LockedProvider{}, fmt.Errorf("provider %q: %w", r.Name, err)
	}

	lp := LockedProvider{Name: r.Name, Version: version, Source: r.Source}
	if keepLocked {
		if !slices.Contains(locked.Checksums, sum) {
			return LockedProvider{}, fmt.Errorf("provider %q %s in the mirror %s has checksum %s, but %s pins %s: the binary changed since mltf init; if you trust the change, run mltf init -upgrade",
				r.Name, version, m.where, sum, LockFile, strings.Join(locked.Checksums, ", "))
		}
		lp.Checksums = slices.Clone(locked.Checksums)
	} else {
		// Pin every platform the mirror has, so that the lock file works
		// for everyone who shares the configuration.
		platforms, err := m.platforms(ctx, r.Name, version)
		if err != nil {
			return LockedProvider{}, fmt.Errorf("provider %q: %w", r.Name, err)
		}
		lp.Checksums = []string{sum}
		for _, pl := range platforms {
			if pl == Platform() {
				continue
			}
			k := mirrorKey(r.Name, version, pl)
			if ok, err := m.has(ctx, k); err != nil || !ok {
				continue
			}
			s, err := m.sum(ctx, k)
			if err != nil {
				return LockedProvider{}, fmt.Errorf("provider %q: %w", r.Name, err)
			}
			if !slices.Contains(lp.Checksums, s) {
				lp.Checksums = append(lp.Checksums, s)
			}
		}
		sort.Strings(lp.Checksums)
	}

	dst := InstalledPath(workDir, r.Name, version)
	if err := writeBinary(dst, bin); err != nil {
		return LockedProvider{}, fmt.Errorf("provider %q: installing %s: %w", r.Name, dst, err)
	}
	if got, err := plugin.FileSum(dst); err != nil || got != sum {
		return LockedProvider{}, fmt.Errorf("provider %q: the installed %s does not have the checksum of the mirror's binary (%s); the disk may be full: %v", r.Name, dst, sum, err)
	}
	return lp, nil
}

// writeBinary writes an executable atomically.
func writeBinary(dst string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".install-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o755); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}

func versionList(l versions.List) string {
	s := make([]string, len(l))
	for i, v := range l {
		s[i] = v.String()
	}
	return strings.Join(s, ", ")
}
