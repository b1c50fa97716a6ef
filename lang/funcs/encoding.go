package funcs

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"net/url"
	"unicode/utf8"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// stringToString builds a function of one string that returns a string.
func stringToString(desc string, impl func(s string) (string, error)) function.Function {
	return function.New(&function.Spec{
		Description:  desc,
		Params:       []function.Parameter{{Name: "str", Type: cty.String}},
		Type:         function.StaticReturnType(cty.String),
		RefineResult: func(b *cty.RefinementBuilder) *cty.RefinementBuilder { return b.NotNull() },
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			s, err := impl(args[0].AsString())
			if err != nil {
				return cty.NilVal, function.NewArgError(0, err)
			}
			return cty.StringVal(s), nil
		},
	})
}

var base64EncodeFunc = stringToString("Encodes the UTF-8 bytes of a string as standard Base64.",
	func(s string) (string, error) { return base64Encode([]byte(s)), nil })

var base64DecodeFunc = stringToString("Decodes a standard Base64 string whose bytes are UTF-8 text.",
	func(s string) (string, error) {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return "", fmt.Errorf("the string is not valid Base64 (%s)", err)
		}
		if !utf8.Valid(b) {
			return "", fmt.Errorf("the decoded bytes are not UTF-8 text; binary data cannot be a string, so keep it Base64-encoded")
		}
		return string(b), nil
	})

var base64GzipFunc = stringToString("Compresses a string with gzip and encodes the result as Base64.",
	func(s string) (string, error) {
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		if _, err := w.Write([]byte(s)); err != nil {
			return "", err
		}
		if err := w.Close(); err != nil {
			return "", err
		}
		return base64Encode(buf.Bytes()), nil
	})

var urlEncodeFunc = stringToString("Escapes a string for use in a URL query (spaces become +).",
	func(s string) (string, error) { return url.QueryEscape(s), nil })

func base64Encode(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
