package funcs

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

func TestFileFunctions(t *testing.T) {
	abs, err := filepath.Abs(filesDir)
	if err != nil {
		t.Fatal(err)
	}
	absHello := filepath.ToSlash(filepath.Join(abs, "hello.txt"))
	runCases(t, filesDir, []evalCase{
		{name: "file", expr: `file("hello.txt")`, want: cty.StringVal("hello")},
		{name: "file dot slash", expr: `file("./data/../hello.txt")`, want: cty.StringVal("hello")},
		{name: "file absolute", expr: `file("` + absHello + `")`, want: cty.StringVal("hello")},
		{name: "file missing", expr: `file("data/x.csv")`,
			err: `no file exists at data/x.csv; the path is relative to the configuration directory (` + abs + `)`},
		{name: "file missing absolute", expr: `file("/nonexistent/x.csv")`, err: `no file exists at /nonexistent/x.csv.`},
		{name: "file of directory", expr: `file("data")`, err: `data is a directory, not a file; use fileset`},
		{name: "file binary", expr: `file("binary.bin")`, err: `the contents of binary.bin are not valid UTF-8 text; use filebase64`},
		{name: "file of unknown", expr: `file(unknown.string)`, want: cty.UnknownVal(cty.String).RefineNotNull()},
		{name: "file ~user", expr: `file("~nobody/x")`, err: `only ~ (your own home directory) is supported`},

		{name: "filebase64 binary", expr: `filebase64("binary.bin")`, want: cty.StringVal("//4AYmluYXJ5")},
		{name: "filemd5", expr: `filemd5("hello.txt")`, want: cty.StringVal(helloMD5)},
		{name: "filesha1", expr: `filesha1("hello.txt")`, want: cty.StringVal(helloSHA1)},
		{name: "filesha256", expr: `filesha256("hello.txt")`, want: cty.StringVal(helloSHA256)},
		{name: "filesha512", expr: `filesha512("hello.txt")`, want: cty.StringVal(helloSHA512)},
		{name: "filebase64sha256", expr: `filebase64sha256("hello.txt")`, want: cty.StringVal(helloBase64SHA256)},
		{name: "filebase64sha512", expr: `filebase64sha512("hello.txt")`, want: cty.StringVal(helloBase64SHA512)},
		{name: "filesha256 missing", expr: `filesha256("nope.bin")`, err: `no file exists at nope.bin; the path is relative to the configuration directory`},

		{name: "fileexists yes", expr: `fileexists("data/a.csv")`, want: cty.True},
		{name: "fileexists no", expr: `fileexists("data/z.csv")`, want: cty.False},
		{name: "fileexists directory", expr: `fileexists("data")`, err: `data is a directory, not a file`},

		{name: "abspath relative", expr: `abspath("data/a.csv")`, want: cty.StringVal(filepath.ToSlash(filepath.Join(abs, "data/a.csv")))},
		{name: "abspath dot", expr: `abspath(".")`, want: cty.StringVal(filepath.ToSlash(abs))},
		{name: "abspath absolute", expr: `abspath("/tmp/../etc")`, want: cty.StringVal("/etc")},
		{name: "basename", expr: `basename("data/sub/b.csv")`, want: cty.StringVal("b.csv")},
		{name: "basename of directory", expr: `basename("data/sub/")`, want: cty.StringVal("sub")},
		{name: "dirname", expr: `dirname("data/sub/b.csv")`, want: cty.StringVal("data/sub")},
		{name: "dirname of name", expr: `dirname("b.csv")`, want: cty.StringVal(".")},
		{name: "pathexpand plain", expr: `pathexpand("data/a.csv")`, want: cty.StringVal("data/a.csv")},
	})
}

func TestHomeDirectory(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	if err := os.WriteFile(filepath.Join(home, "token.txt"), []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	runCases(t, filesDir, []evalCase{
		{name: "pathexpand", expr: `pathexpand("~/.mltf/x")`, want: cty.StringVal(filepath.Join(home, ".mltf/x"))},
		{name: "pathexpand home alone", expr: `pathexpand("~")`, want: cty.StringVal(home)},
		{name: "file under home", expr: `file("~/token.txt")`, want: cty.StringVal("secret")},
		{name: "missing under home says no base", expr: `file("~/gone.txt")`, err: `no file exists at ~/gone.txt.`},
	})
}
