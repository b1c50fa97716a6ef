package install

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers/plugin"
)

// Lock is the content of .mltf.lock.hcl: the version and checksums of
// every installed provider.
type Lock struct {
	Providers map[string]LockedProvider
}

// LockedProvider is one provider "NAME" {} block of the lock file.
type LockedProvider struct {
	Name    string
	Version string
	Source  string
	// Checksums are "sha256:HEX", one per platform the mirror had.
	Checksums []string
}

type lockFile struct {
	Providers []struct {
		Name      string   `hcl:"name,label"`
		Version   string   `hcl:"version"`
		Source    string   `hcl:"source,optional"`
		Checksums []string `hcl:"checksums"`
	} `hcl:"provider,block"`
}

// ReadLock reads a lock file. A missing file is an error that matches
// fs.ErrNotExist and tells to run mltf init.
func ReadLock(path string) (Lock, error) {
	src, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Lock{}, fmt.Errorf("%s not found: run mltf init to install the providers: %w", path, fs.ErrNotExist)
	}
	if err != nil {
		return Lock{}, err
	}
	f, diags := hclparse.NewParser().ParseHCL(src, path)
	if diags.HasErrors() {
		return Lock{}, fmt.Errorf("%s is damaged: %s; delete it and run mltf init", path, diags.Error())
	}
	var lf lockFile
	if diags := gohcl.DecodeBody(f.Body, nil, &lf); diags.HasErrors() {
		return Lock{}, fmt.Errorf("%s is damaged: %s; delete it and run mltf init", path, diags.Error())
	}
	ret := Lock{Providers: map[string]LockedProvider{}}
	for _, p := range lf.Providers {
		if _, dup := ret.Providers[p.Name]; dup {
			return Lock{}, fmt.Errorf("%s locks provider %q twice; delete it and run mltf init", path, p.Name)
		}
		ret.Providers[p.Name] = LockedProvider{Name: p.Name, Version: p.Version, Source: p.Source, Checksums: p.Checksums}
	}
	return ret, nil
}

// WriteLock writes l to path atomically.
func WriteLock(path string, l Lock) error {
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	body.AppendUnstructuredTokens(hclwrite.Tokens{{Type: hclsyntax.TokenComment, Bytes: []byte(
		"# Written by mltf init: the providers this configuration uses, pinned by\n" +
			"# checksum. Commit it; run mltf init -upgrade to change a version.\n")}})
	names := make([]string, 0, len(l.Providers))
	for n := range l.Providers {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := l.Providers[n]
		body.AppendNewline()
		b := body.AppendNewBlock("provider", []string{n}).Body()
		b.SetAttributeValue("version", cty.StringVal(p.Version))
		if p.Source != "" {
			b.SetAttributeValue("source", cty.StringVal(p.Source))
		}
		sums := slices.Clone(p.Checksums)
		sort.Strings(sums)
		b.SetAttributeRaw("checksums", listTokens(sums))
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".mltf.lock.hcl.*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(f.Bytes()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// listTokens renders a list of strings one per line, as people write it.
func listTokens(items []string) hclwrite.Tokens {
	toks := hclwrite.Tokens{{Type: hclsyntax.TokenOBrack, Bytes: []byte("[")}, {Type: hclsyntax.TokenNewline, Bytes: []byte("\n")}}
	for _, s := range items {
		toks = append(toks, hclwrite.TokensForValue(cty.StringVal(s))...)
		toks = append(toks, &hclwrite.Token{Type: hclsyntax.TokenComma, Bytes: []byte(",")}, &hclwrite.Token{Type: hclsyntax.TokenNewline, Bytes: []byte("\n")})
	}
	return append(toks, &hclwrite.Token{Type: hclsyntax.TokenCBrack, Bytes: []byte("]")})
}

// Verify checks that the binary at binaryPath is the one the lock pins for
// provider name.
func Verify(lock Lock, name, binaryPath string) error {
	lp, ok := lock.Providers[name]
	if !ok {
		return fmt.Errorf("provider %q is not in %s: run mltf init", name, LockFile)
	}
	sum, err := plugin.FileSum(binaryPath)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("provider %q %s is not installed (%s is missing): run mltf init", name, lp.Version, binaryPath)
	}
	if err != nil {
		return fmt.Errorf("provider %q: %w", name, err)
	}
	if !slices.Contains(lp.Checksums, sum) {
		return fmt.Errorf("provider %q changed since mltf init: %s has checksum %s, but %s pins %s; if the change is intended, run mltf init -upgrade",
			name, binaryPath, sum, LockFile, strings.Join(lp.Checksums, ", "))
	}
	return nil
}

// Locate returns the installed binary of provider name at its locked
// version for this platform, verified against the lock, with its checksum
// for plugin.Start.
func Locate(workDir string, lock Lock, name string) (path, sum string, err error) {
	lp, ok := lock.Providers[name]
	if !ok {
		return "", "", fmt.Errorf("provider %q is not in %s: run mltf init", name, LockFile)
	}
	path = InstalledPath(workDir, name, lp.Version)
	if err := Verify(lock, name, path); err != nil {
		return "", "", err
	}
	sum, err = plugin.FileSum(path)
	return path, sum, err
}
