package format

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Options says what Paths does with the files it formats.
type Options struct {
	// Check only reports which files are not formatted; it never writes,
	// whatever Write says.
	Check bool
	// Diff puts a unified diff of each changed file in its Result.
	Diff bool
	// Recursive also formats the files in subdirectories of the directories
	// named (hidden ones, such as .mltf and .git, are skipped).
	Recursive bool
	// Write rewrites changed files in place.
	Write bool
	// Dir is the directory relative paths are taken from; files are named
	// relative to it in results, diffs and diagnostics. Empty: the
	// process's working directory.
	Dir string
}

// Result is what formatting did to one file.
type Result struct {
	Path    string
	Changed bool
	// Diff is the unified diff from the file to its formatted form, when
	// Options.Diff is set and the file changed.
	Diff string
}

// Paths formats the *.mltf.hcl files (and *.mltfvars) named, or found in the directories named (recursively when Recursive).
// Syntax errors are returned as hcl.Diagnostics with file:line:col; files with syntax errors are never rewritten.
//
// No paths means the current directory. Results come in the order the
// paths were given, files of a directory in lexical order; a file with an
// error has no Result. Every path is processed even when some fail.
func Paths(paths []string, opts Options) ([]Result, hcl.Diagnostics) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	if opts.Dir != "" {
		abs := make([]string, len(paths))
		for i, p := range paths {
			abs[i] = p
			if !filepath.IsAbs(p) {
				abs[i] = filepath.Join(opts.Dir, p)
			}
		}
		paths = abs
	}
	files, diags := collect(paths, opts.Recursive)
	var results []Result
	for _, f := range files {
		res, fdiags := formatFile(f, opts)
		diags = append(diags, fdiags...)
		if !fdiags.HasErrors() {
			results = append(results, res)
		}
	}
	return results, diags
}

// IsConfigFile reports whether name is a file that mltf fmt formats.
func IsConfigFile(name string) bool {
	return strings.HasSuffix(name, ".mltf.hcl") || strings.HasSuffix(name, ".mltfvars")
}

// collect expands the paths into the files to format, each once.
func collect(paths []string, recursive bool) ([]string, hcl.Diagnostics) {
	var (
		files []string
		diags hcl.Diagnostics
		seen  = map[string]bool{}
	)
	add := func(f string) {
		if key := filepath.Clean(f); !seen[key] {
			seen[key] = true
			files = append(files, f)
		}
	}
	for _, p := range paths {
		fi, err := os.Stat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			diags = append(diags, errorDiag("No such file or directory",
				fmt.Sprintf("There is no file or directory at %s. Name *.mltf.hcl or *.mltfvars files, or directories that hold them.", p)))
		case err != nil:
			diags = append(diags, errorDiag("Cannot read path", err.Error()))
		case fi.IsDir():
			found, err := dirFiles(p, recursive)
			if err != nil {
				diags = append(diags, errorDiag("Cannot list directory", err.Error()))
			}
			for _, f := range found {
				add(f)
			}
		case !IsConfigFile(p):
			diags = append(diags, errorDiag("Not an mltf file",
				fmt.Sprintf("Cannot format %s: only *.mltf.hcl and *.mltfvars files are formatted.", p)))
		default:
			add(p)
		}
	}
	return files, diags
}

// dirFiles lists the configuration files in dir, and below it when
// recursive, skipping hidden directories and editor backup files.
func dirFiles(dir string, recursive bool) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != dir && (!recursive || strings.HasPrefix(name, ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if ignoredFile(name) || !IsConfigFile(name) || !d.Type().IsRegular() {
			return nil
		}
		files = append(files, p)
		return nil
	})
	return files, err
}

// ignoredFile reports editor and hidden files that look like configuration
// but are not (.#x.mltf.hcl, #x.mltf.hcl#, x.mltf.hcl~ and dotfiles).
func ignoredFile(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "#") || strings.HasSuffix(name, "~")
}

// formatFile formats one file, rewriting it when asked.
func formatFile(path string, opts Options) (Result, hcl.Diagnostics) {
	res := Result{Path: displayPath(opts.Dir, path)}
	src, err := os.ReadFile(path)
	if err != nil {
		return res, hcl.Diagnostics{errorDiag("Cannot read file", err.Error())}
	}
	out, diags := Source(src, res.Path)
	if diags.HasErrors() {
		return res, diags
	}
	res.Changed = !bytes.Equal(src, out)
	if !res.Changed {
		return res, diags
	}
	if opts.Diff {
		label := filepath.ToSlash(res.Path)
		res.Diff = UnifiedDiff("old/"+label, "new/"+label, src, out)
	}
	if opts.Write && !opts.Check {
		if err := writeFile(path, out); err != nil {
			return res, append(diags, errorDiag("Cannot write file",
				fmt.Sprintf("Formatting %s: %s. The file is unchanged.", path, err)))
		}
	}
	return res, diags
}

// displayPath is path relative to dir when it lies below dir.
func displayPath(dir, path string) string {
	if dir == "" {
		return path
	}
	rel, err := filepath.Rel(dir, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return path
	}
	return rel
}

// writeFile replaces path's contents through a temporary file in the same
// directory and a rename, so a failed write never leaves half a file. The
// file keeps its permissions.
func writeFile(path string, data []byte) error {
	// Rewrite the target of a symbolic link, not the link.
	path, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".fmt-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(fi.Mode().Perm()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func errorDiag(summary, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail}
}
