package funcs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// fileSetFunc is Terraform's fileset(path, pattern): the files below path
// whose slash-separated path relative to it matches pattern. The pattern
// has the shell's *, ?, [class] and {alt,alt}, and ** for any number of
// directories.
func fileSetFunc(baseDir string) function.Function {
	return function.New(&function.Spec{
		Description: "Returns the set of files below path (relative to it) that match pattern; ** matches any number of directories.",
		Params: []function.Parameter{
			{Name: "path", Type: cty.String},
			{Name: "pattern", Type: cty.String},
		},
		Type:         function.StaticReturnType(cty.Set(cty.String)),
		RefineResult: func(b *cty.RefinementBuilder) *cty.RefinementBuilder { return b.NotNull() },
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			dir, pattern := args[0].AsString(), args[1].AsString()
			g, err := CompileGlob(pattern)
			if err != nil {
				return cty.NilVal, function.NewArgError(1, err)
			}
			files, err := matchFiles(baseDir, dir, g)
			if err != nil {
				return cty.NilVal, function.NewArgError(0, err)
			}
			if len(files) == 0 {
				return cty.SetValEmpty(cty.String), nil
			}
			vals := make([]cty.Value, len(files))
			for i, f := range files {
				vals[i] = cty.StringVal(f)
			}
			return cty.SetVal(vals), nil
		},
	})
}

// matchFiles lists the regular files below dir whose relative paths match g.
func matchFiles(baseDir, dir string, g Glob) ([]string, error) {
	root, err := resolvePath(baseDir, dir)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(root)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("no directory exists at %s%s", dir, relativeHint(baseDir, dir))
	case err != nil:
		return nil, fmt.Errorf("cannot read %s: %w", dir, err)
	case !fi.IsDir():
		return nil, fmt.Errorf("%s is a file, not a directory; fileset searches a directory", dir)
	}
	var files []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("cannot list %s: %w", p, err)
		}
		if d.IsDir() {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			fi, err := os.Stat(p)
			if err != nil || !fi.Mode().IsRegular() {
				return nil
			}
		} else if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if g.Match(rel) {
			files = append(files, rel)
		}
		return nil
	})
	return files, err
}

// Glob is a compiled fileset pattern: alternatives from brace expansion,
// each split into path segments. A pipeline step's code_files use it too.
type Glob [][]string

// CompileGlob compiles a fileset pattern: the shell's *, ?, [class] and
// {alt,alt}, and ** for any number of directories.
func CompileGlob(pattern string) (Glob, error) {
	if pattern == "" {
		return nil, fmt.Errorf("the pattern is empty; use \"**\" to match every file")
	}
	alts, err := expandBraces(pattern)
	if err != nil {
		return nil, err
	}
	g := make(Glob, 0, len(alts))
	for _, alt := range alts {
		segs := strings.Split(strings.TrimPrefix(alt, "./"), "/")
		for _, s := range segs {
			if s == "**" {
				continue
			}
			if _, err := path.Match(s, ""); err != nil {
				return nil, fmt.Errorf("invalid pattern %q: %s in %q", pattern, err, s)
			}
		}
		g = append(g, segs)
	}
	return g, nil
}

// Match says whether the slash-separated relative path rel matches.
func (g Glob) Match(rel string) bool {
	name := strings.Split(rel, "/")
	for _, segs := range g {
		if matchSegments(segs, name) {
			return true
		}
	}
	return false
}

func matchSegments(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(name); i++ {
				if matchSegments(pat[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

// expandBraces rewrites "a{b,c}d" as "abd" and "acd", nested braces too.
func expandBraces(p string) ([]string, error) {
	open := -1
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' {
			i++
			continue
		}
		if p[i] == '{' {
			open = i
			break
		}
	}
	if open < 0 {
		if strings.ContainsRune(p, '}') && !strings.Contains(p, "\\}") {
			return nil, fmt.Errorf("invalid pattern %q: } without a matching {", p)
		}
		return []string{p}, nil
	}
	depth, start := 0, open+1
	var alts []string
	for i := open; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				alts = append(alts, p[start:i])
				var out []string
				for _, a := range alts {
					more, err := expandBraces(p[:open] + a + p[i+1:])
					if err != nil {
						return nil, err
					}
					out = append(out, more...)
				}
				return out, nil
			}
		case ',':
			if depth == 1 {
				alts = append(alts, p[start:i])
				start = i + 1
			}
		}
	}
	return nil, fmt.Errorf("invalid pattern %q: { without a matching }", p)
}
