package funcs

import (
	"regexp"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// The expected hashes of "hello" come from md5sum, sha1sum, sha256sum and
// sha512sum (and base64 of their raw bytes).
const (
	helloMD5          = "5d41402abc4b2a76b9719d911017c592"
	helloSHA1         = "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"
	helloSHA256       = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
	helloSHA512       = "9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043"
	helloBase64SHA256 = "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="
	helloBase64SHA512 = "m3HSJL1i83hdltRq0+o9czGb+8KJDKra4t/3JRlnPKcjI8PZm6XBHXx6zG4UuMXaDEZjR1wuXDre9G9zvN7AQw=="
)

func TestHashFunctions(t *testing.T) {
	runCases(t, filesDir, []evalCase{
		{name: "md5", expr: `md5("hello")`, want: cty.StringVal(helloMD5)},
		{name: "sha1", expr: `sha1("hello")`, want: cty.StringVal(helloSHA1)},
		{name: "sha256", expr: `sha256("hello")`, want: cty.StringVal(helloSHA256)},
		{name: "sha512", expr: `sha512("hello")`, want: cty.StringVal(helloSHA512)},
		{name: "base64sha256", expr: `base64sha256("hello")`, want: cty.StringVal(helloBase64SHA256)},
		{name: "base64sha512", expr: `base64sha512("hello")`, want: cty.StringVal(helloBase64SHA512)},
		{name: "sha256 of number", expr: `sha256(1)`, want: cty.StringVal("6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b")},
		{name: "uuidv5 dns", expr: `uuidv5("dns", "www.example.com")`, want: cty.StringVal("2ed6657d-e927-568b-95e1-2665a8aea6a2")},
		{name: "uuidv5 custom namespace", expr: `uuidv5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.example.com")`, want: cty.StringVal("2ed6657d-e927-568b-95e1-2665a8aea6a2")},
		{name: "uuidv5 bad namespace", expr: `uuidv5("web", "x")`, err: `namespace "web" is neither "dns", "url", "oid", "x500" nor a UUID`},
	})
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestUUID(t *testing.T) {
	a, diags := evalExpr(t, filesDir, false, `uuid()`)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	b, _ := evalExpr(t, filesDir, false, `uuid()`)
	if !uuidPattern.MatchString(a.AsString()) {
		t.Errorf("uuid() = %q, not a version 4 UUID", a.AsString())
	}
	if a.AsString() == b.AsString() {
		t.Errorf("two calls of uuid() gave the same %q", a.AsString())
	}
}

func TestImpureFunctionsUnknownWhilePlanning(t *testing.T) {
	for _, expr := range []string{`uuid()`, `timestamp()`} {
		t.Run(expr, func(t *testing.T) {
			got, diags := evalExpr(t, filesDir, true, expr)
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			if got.IsKnown() || got.Type() != cty.String {
				t.Errorf("%s while planning = %#v, want an unknown string", expr, got)
			}
			// Anything built from it is unknown too, and not an error.
			got, diags = evalExpr(t, filesDir, true, `upper(`+expr+`)`)
			if diags.HasErrors() || got.IsKnown() {
				t.Errorf("upper(%s) while planning = %#v, %s", expr, got, diags.Error())
			}
		})
	}
}
