package funcs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// resolvePath turns a path written in configuration into one to open: "~"
// is the user's home directory, and a relative path is joined to baseDir.
func resolvePath(baseDir, p string) (string, error) {
	p, err := expandHome(p)
	if err != nil {
		return "", err
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(baseDir, p)
	}
	return filepath.Clean(p), nil
}

// expandHome replaces a leading "~" or "~/" with the home directory.
func expandHome(p string) (string, error) {
	if p != "~" && !strings.HasPrefix(p, "~/") && !strings.HasPrefix(p, "~"+string(filepath.Separator)) {
		if strings.HasPrefix(p, "~") {
			return "", fmt.Errorf("cannot expand %q: only ~ (your own home directory) is supported, not ~user", p)
		}
		return p, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("cannot expand %q: %w", p, err)
	}
	return filepath.Join(home, p[1:]), nil
}

// relativeHint says what a relative path was relative to, for errors.
func relativeHint(baseDir, p string) string {
	if filepath.IsAbs(p) || strings.HasPrefix(p, "~") {
		return ""
	}
	abs, err := filepath.Abs(baseDir)
	if err != nil {
		abs = baseDir
	}
	return fmt.Sprintf("; the path is relative to the configuration directory (%s)", abs)
}

// readFile reads the file at the configuration path p, with errors a user
// can act on.
func readFile(baseDir, p string) ([]byte, error) {
	full, err := resolvePath(baseDir, p)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(full)
	if err == nil {
		return b, nil
	}
	return nil, fileError(baseDir, p, full, err)
}

func fileError(baseDir, p, full string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("no file exists at %s%s", p, relativeHint(baseDir, p))
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("cannot read %s: permission denied", full)
	}
	if fi, serr := os.Stat(full); serr == nil && fi.IsDir() {
		return fmt.Errorf("%s is a directory, not a file; use fileset to list the files in a directory", p)
	}
	return fmt.Errorf("cannot read %s: %w", p, err)
}

// pathFunc builds a function of one path string.
func pathFunc(desc string, ret cty.Type, impl func(p string) (cty.Value, error)) function.Function {
	return function.New(&function.Spec{
		Description:  desc,
		Params:       []function.Parameter{{Name: "path", Type: cty.String}},
		Type:         function.StaticReturnType(ret),
		RefineResult: func(b *cty.RefinementBuilder) *cty.RefinementBuilder { return b.NotNull() },
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			v, err := impl(args[0].AsString())
			if err != nil {
				return cty.NilVal, function.NewArgError(0, err)
			}
			return v, nil
		},
	})
}

func fileFunc(baseDir string) function.Function {
	return pathFunc("Reads the file at the given path as UTF-8 text. Relative paths start at the configuration directory.", cty.String,
		func(p string) (cty.Value, error) {
			b, err := readFile(baseDir, p)
			if err != nil {
				return cty.NilVal, err
			}
			if !utf8.Valid(b) {
				return cty.NilVal, fmt.Errorf("the contents of %s are not valid UTF-8 text; use filebase64 to read a binary file", p)
			}
			return cty.StringVal(string(b)), nil
		})
}

func fileBase64Func(baseDir string) function.Function {
	return pathFunc("Reads the file at the given path and returns its bytes Base64-encoded.", cty.String,
		func(p string) (cty.Value, error) {
			b, err := readFile(baseDir, p)
			if err != nil {
				return cty.NilVal, err
			}
			return cty.StringVal(base64Encode(b)), nil
		})
}

// fileHashFunc builds a function that hashes the bytes of a file; what
// names the hash and its encoding, for the description.
func fileHashFunc(baseDir, what string, sum func([]byte) []byte, enc func([]byte) string) function.Function {
	return pathFunc(fmt.Sprintf("Returns the %s of the bytes of the file at the given path.", what), cty.String,
		func(p string) (cty.Value, error) {
			b, err := readFile(baseDir, p)
			if err != nil {
				return cty.NilVal, err
			}
			return cty.StringVal(enc(sum(b))), nil
		})
}

func fileExistsFunc(baseDir string) function.Function {
	return pathFunc("Returns true if a file exists at the given path, false if nothing does; a directory there is an error.", cty.Bool,
		func(p string) (cty.Value, error) {
			full, err := resolvePath(baseDir, p)
			if err != nil {
				return cty.NilVal, err
			}
			fi, err := os.Stat(full)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				return cty.False, nil
			case err != nil:
				return cty.NilVal, fileError(baseDir, p, full, err)
			case fi.IsDir():
				return cty.NilVal, fmt.Errorf("%s is a directory, not a file; fileexists tests files only", p)
			case !fi.Mode().IsRegular():
				return cty.NilVal, fmt.Errorf("%s is not a regular file", p)
			}
			return cty.True, nil
		})
}

func absPathFunc(baseDir string) function.Function {
	return pathFunc("Returns the absolute form of a path; a relative path is taken from the configuration directory.", cty.String,
		func(p string) (cty.Value, error) {
			full, err := resolvePath(baseDir, p)
			if err != nil {
				return cty.NilVal, err
			}
			abs, err := filepath.Abs(full)
			if err != nil {
				return cty.NilVal, fmt.Errorf("cannot make %s absolute: %w", p, err)
			}
			return cty.StringVal(filepath.ToSlash(abs)), nil
		})
}

var baseNameFunc = pathFunc("Returns the last element of a path.", cty.String,
	func(p string) (cty.Value, error) { return cty.StringVal(filepath.Base(p)), nil })

var dirNameFunc = pathFunc("Returns a path without its last element.", cty.String,
	func(p string) (cty.Value, error) { return cty.StringVal(filepath.Dir(p)), nil })

var pathExpandFunc = pathFunc(`Replaces a leading "~" in a path with the current user's home directory.`, cty.String,
	func(p string) (cty.Value, error) {
		e, err := expandHome(p)
		if err != nil {
			return cty.NilVal, err
		}
		return cty.StringVal(e), nil
	})
