package format

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// copyTree copies testdata/tree into a temporary directory and returns it.
func copyTree(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir("testdata/tree", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("testdata/tree", p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var ignoreDiff = cmpopts.IgnoreFields(Result{}, "Diff")

func TestPathsFindsFiles(t *testing.T) {
	dir := copyTree(t)
	j := func(p string) string { return filepath.Join(dir, p) }
	cases := []struct {
		name  string
		paths []string
		opts  Options
		want  []Result
	}{
		{name: "directory", paths: []string{dir}, want: []Result{
			{Path: j("main.mltf.hcl"), Changed: true},
			{Path: j("ok.mltf.hcl")},
			{Path: j("terraform.mltfvars"), Changed: true},
		}},
		{name: "recursive skips hidden directories", paths: []string{dir}, opts: Options{Recursive: true}, want: []Result{
			{Path: j("main.mltf.hcl"), Changed: true},
			{Path: j("ok.mltf.hcl")},
			{Path: j("sub/child.mltf.hcl"), Changed: true},
			{Path: j("terraform.mltfvars"), Changed: true},
		}},
		{name: "files named", paths: []string{j("ok.mltf.hcl"), j(".mltf/cache.mltf.hcl")}, want: []Result{
			{Path: j("ok.mltf.hcl")},
			{Path: j(".mltf/cache.mltf.hcl"), Changed: true},
		}},
		{name: "each file once", paths: []string{j("ok.mltf.hcl"), dir, j("./ok.mltf.hcl")}, want: []Result{
			{Path: j("ok.mltf.hcl")},
			{Path: j("main.mltf.hcl"), Changed: true},
			{Path: j("terraform.mltfvars"), Changed: true},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, diags := Paths(tc.paths, tc.opts)
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			if diff := cmp.Diff(tc.want, got, ignoreDiff); diff != "" {
				t.Errorf("Paths (-want +got):\n%s", diff)
			}
		})
	}
	// Nothing was written without Write.
	if got := readString(t, j("main.mltf.hcl")); got != readString(t, "testdata/tree/main.mltf.hcl") {
		t.Errorf("main.mltf.hcl was rewritten without Options.Write:\n%s", got)
	}
}

func TestPathsCurrentDirectoryByDefault(t *testing.T) {
	dir := copyTree(t)
	t.Chdir(dir)
	got, diags := Paths(nil, Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	want := []Result{{Path: "main.mltf.hcl", Changed: true}, {Path: "ok.mltf.hcl"}, {Path: "terraform.mltfvars", Changed: true}}
	if diff := cmp.Diff(want, got, ignoreDiff); diff != "" {
		t.Errorf("Paths(nil) (-want +got):\n%s", diff)
	}
}

func TestPathsWrite(t *testing.T) {
	dir := copyTree(t)
	main := filepath.Join(dir, "main.mltf.hcl")
	if err := os.Chmod(main, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, diags := Paths([]string{dir}, Options{Write: true, Recursive: true}); diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	want := "experiment \"digits\" {}\n\nvariable \"lr\" {\n  type    = number\n  default = 0.05\n}\n"
	if got := readString(t, main); got != want {
		t.Errorf("main.mltf.hcl after Write:\n%s\nwant:\n%s", got, want)
	}
	if fi, err := os.Stat(main); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("main.mltf.hcl mode after Write = %v (%v), want 0600 kept", fi.Mode(), err)
	}
	if got := readString(t, filepath.Join(dir, ".mltf/cache.mltf.hcl")); got != "x=1\n" {
		t.Errorf("a file in a hidden directory was rewritten: %q", got)
	}
	if got := readString(t, filepath.Join(dir, "main.mltf.hcl~")); got != "y=1\n" {
		t.Errorf("an editor backup file was rewritten: %q", got)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*.fmt-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}

	// Formatting is done: a second pass changes nothing.
	again, diags := Paths([]string{dir}, Options{Check: true, Recursive: true})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	for _, r := range again {
		if r.Changed {
			t.Errorf("%s still changes after Write", r.Path)
		}
	}
}

func TestPathsCheckNeverWrites(t *testing.T) {
	dir := copyTree(t)
	got, diags := Paths([]string{dir}, Options{Check: true, Write: true})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if len(got) != 3 || !got[0].Changed {
		t.Fatalf("Check results = %+v, want main.mltf.hcl reported as changed", got)
	}
	if got := readString(t, filepath.Join(dir, "main.mltf.hcl")); got != readString(t, "testdata/tree/main.mltf.hcl") {
		t.Errorf("Check rewrote main.mltf.hcl:\n%s", got)
	}
}

func TestPathsDiff(t *testing.T) {
	dir := copyTree(t)
	main := filepath.Join(dir, "main.mltf.hcl")
	got, diags := Paths([]string{main, filepath.Join(dir, "ok.mltf.hcl")}, Options{Diff: true})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	label := filepath.ToSlash(main)
	want := "--- old/" + label + "\n+++ new/" + label + `
@@ -1,6 +1,6 @@
 experiment "digits" {}
 
 variable "lr" {
-type = number
-  default=0.05
+  type    = number
+  default = 0.05
 }
`
	if diff := cmp.Diff(want, got[0].Diff); diff != "" {
		t.Errorf("diff of main.mltf.hcl (-want +got):\n%s", diff)
	}
	if got[1].Diff != "" {
		t.Errorf("unchanged ok.mltf.hcl has a diff:\n%s", got[1].Diff)
	}
}

func TestPathsSyntaxErrorsAreNotWritten(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.mltf.hcl")
	good := filepath.Join(dir, "good.mltf.hcl")
	brokenSrc := "variable \"lr\" {\ndefault =\n}\n"
	if err := os.WriteFile(broken, []byte(brokenSrc), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(good, []byte("a=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, diags := Paths([]string{dir}, Options{Write: true})
	if !diags.HasErrors() {
		t.Fatal("no error for broken.mltf.hcl")
	}
	if msg := diags.Error(); !strings.HasPrefix(msg, broken+":2,10-3,1: Invalid expression") {
		t.Errorf("error = %q, want it at %s:2,10", msg, broken)
	}
	if diff := cmp.Diff([]Result{{Path: good, Changed: true}}, got, ignoreDiff); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if s := readString(t, broken); s != brokenSrc {
		t.Errorf("broken.mltf.hcl was rewritten:\n%s", s)
	}
	if s := readString(t, good); s != "a = 1\n" {
		t.Errorf("good.mltf.hcl = %q, want it formatted despite the other file's error", s)
	}
}

func TestPathsBadPaths(t *testing.T) {
	dir := copyTree(t)
	cases := []struct {
		name    string
		path    string
		summary string
		detail  string
	}{
		{name: "missing", path: filepath.Join(dir, "nope"), summary: "No such file or directory", detail: "There is no file or directory at " + filepath.Join(dir, "nope")},
		{name: "not a config file", path: filepath.Join(dir, "README.md"), summary: "Not an mltf file", detail: "only *.mltf.hcl and *.mltfvars files are formatted"},
		{name: "plain hcl", path: filepath.Join(dir, "notes.hcl"), summary: "Not an mltf file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, diags := Paths([]string{tc.path, filepath.Join(dir, "ok.mltf.hcl")}, Options{})
			if len(diags) != 1 || diags[0].Summary != tc.summary || !strings.Contains(diags[0].Detail, tc.detail) {
				t.Fatalf("diags = %s, want one %q error mentioning %q", diags.Error(), tc.summary, tc.detail)
			}
			// The other path is still formatted.
			if len(got) != 1 || got[0].Path != filepath.Join(dir, "ok.mltf.hcl") {
				t.Errorf("results = %+v, want ok.mltf.hcl", got)
			}
		})
	}
}

func TestPathsWriteThroughSymlink(t *testing.T) {
	dir := copyTree(t)
	target := filepath.Join(dir, "main.mltf.hcl")
	link := filepath.Join(dir, "link.mltf.hcl")
	if err := os.Symlink(target, link); err != nil {
		t.Skip("cannot make symbolic links here:", err)
	}
	if _, diags := Paths([]string{link}, Options{Write: true}); diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("link.mltf.hcl is no longer a symbolic link (%v)", err)
	}
	if s := readString(t, target); !strings.Contains(s, "  default = 0.05") {
		t.Errorf("the link's target was not formatted:\n%s", s)
	}
}
