package funcs

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"io"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

func TestEncodingFunctions(t *testing.T) {
	runCases(t, filesDir, []evalCase{
		{name: "base64encode", expr: `base64encode("hello")`, want: cty.StringVal("aGVsbG8=")},
		{name: "base64encode utf8", expr: `base64encode("é")`, want: cty.StringVal("w6k=")},
		{name: "base64decode", expr: `base64decode("aGVsbG8=")`, want: cty.StringVal("hello")},
		{name: "base64decode bad", expr: `base64decode("not base64!")`, err: `the string is not valid Base64`},
		{name: "base64decode binary", expr: `base64decode("//4AYmluYXJ5")`, err: `the decoded bytes are not UTF-8 text`},
		{name: "urlencode", expr: `urlencode("a b&c=d/é")`, want: cty.StringVal("a+b%26c%3Dd%2F%C3%A9")},
		{name: "round trip", expr: `base64decode(base64encode("x y"))`, want: cty.StringVal("x y")},
	})
}

func TestBase64Gzip(t *testing.T) {
	got, diags := evalExpr(t, filesDir, false, `base64gzip("hello hello hello")`)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	raw, err := base64.StdEncoding.DecodeString(got.AsString())
	if err != nil {
		t.Fatal(err)
	}
	r, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if string(plain) != "hello hello hello" {
		t.Errorf("gunzip(base64decode(base64gzip(s))) = %q", plain)
	}
}
