package funcs

import (
	"testing"

	"github.com/zclconf/go-cty/cty"
)

func TestFileSet(t *testing.T) {
	runCases(t, filesDir, []evalCase{
		{name: "star", expr: `fileset("data", "*.csv")`, want: strSet("a.csv")},
		{name: "double star", expr: `fileset("data", "**/*.csv")`, want: strSet(".hidden/d.csv", "a.csv", "sub/b.csv")},
		{name: "everything", expr: `fileset("data", "**")`, want: strSet(".hidden/d.csv", "a.csv", "sub/b.csv", "sub/c.json")},
		{name: "subdirectory", expr: `fileset("data", "sub/*")`, want: strSet("sub/b.csv", "sub/c.json")},
		{name: "braces", expr: `fileset("data", "sub/*.{csv,json}")`, want: strSet("sub/b.csv", "sub/c.json")},
		{name: "nested braces", expr: `fileset("data", "{a.csv,sub/{c,x}.json}")`, want: strSet("a.csv", "sub/c.json")},
		{name: "question mark", expr: `fileset("data", "?.csv")`, want: strSet("a.csv")},
		{name: "class", expr: `fileset("data", "sub/[bc].*")`, want: strSet("sub/b.csv", "sub/c.json")},
		{name: "dot slash", expr: `fileset(".", "./data/*.csv")`, want: strSet("data/a.csv")},
		{name: "no directories listed", expr: `fileset(".", "data/*")`, want: strSet("data/a.csv")},
		{name: "no match", expr: `fileset("data", "*.parquet")`, want: cty.SetValEmpty(cty.String)},
		{name: "missing directory", expr: `fileset("nope", "*")`, err: `no directory exists at nope; the path is relative to the configuration directory`},
		{name: "file not directory", expr: `fileset("hello.txt", "*")`, err: `hello.txt is a file, not a directory`},
		{name: "bad class", expr: `fileset("data", "[a")`, err: `invalid pattern "[a": syntax error in pattern`},
		{name: "unclosed brace", expr: `fileset("data", "{a,b")`, err: `{ without a matching }`},
		{name: "stray brace", expr: `fileset("data", "a}")`, err: `} without a matching {`},
		{name: "empty pattern", expr: `fileset("data", "")`, err: `the pattern is empty`},
	})
}

func TestGlobMatch(t *testing.T) {
	cases := []struct {
		pattern, name string
		want          bool
	}{
		{"**", "a", true},
		{"**", "a/b/c", true},
		{"**/c", "c", true},
		{"**/c", "a/b/c", true},
		{"a/**/c", "a/c", true},
		{"a/**/c", "a/x/y/c", true},
		{"a/**/c", "b/x/c", false},
		{"a/**", "a/x/y", true},
		{"*", "a/b", false},
		{"*.csv", "x.csv", true},
		{"*.csv", "x.json", false},
		{"data/*/train-*.csv", "data/v1/train-01.csv", true},
		{"{x,y}/*", "y/z", true},
	}
	for _, tc := range cases {
		t.Run(tc.pattern+" "+tc.name, func(t *testing.T) {
			g, err := CompileGlob(tc.pattern)
			if err != nil {
				t.Fatal(err)
			}
			if got := g.Match(tc.name); got != tc.want {
				t.Errorf("match(%q, %q) = %v, want %v", tc.pattern, tc.name, got, tc.want)
			}
		})
	}
}
