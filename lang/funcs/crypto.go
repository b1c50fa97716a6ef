package funcs

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"

	"github.com/google/uuid"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

func md5Sum(b []byte) []byte    { s := md5.Sum(b); return s[:] }
func sha1Sum(b []byte) []byte   { s := sha1.Sum(b); return s[:] }
func sha256Sum(b []byte) []byte { s := sha256.Sum256(b); return s[:] }
func sha512Sum(b []byte) []byte { s := sha512.Sum512(b); return s[:] }

func hexEncode(b []byte) string { return hex.EncodeToString(b) }

// hashFunc builds a function that hashes the UTF-8 bytes of a string.
func hashFunc(name string, sum func([]byte) []byte, enc func([]byte) string) function.Function {
	return stringToString(fmt.Sprintf("Returns the %s of the UTF-8 bytes of a string.", name),
		func(s string) (string, error) { return enc(sum([]byte(s))), nil })
}

var (
	md5Func          = hashFunc("MD5 hash, hex-encoded,", md5Sum, hexEncode)
	sha1Func         = hashFunc("SHA-1 hash, hex-encoded,", sha1Sum, hexEncode)
	sha256Func       = hashFunc("SHA-256 hash, hex-encoded,", sha256Sum, hexEncode)
	sha512Func       = hashFunc("SHA-512 hash, hex-encoded,", sha512Sum, hexEncode)
	base64SHA256Func = hashFunc("SHA-256 hash, Base64-encoded,", sha256Sum, base64Encode)
	base64SHA512Func = hashFunc("SHA-512 hash, Base64-encoded,", sha512Sum, base64Encode)
)

// uuidFunc returns a random (version 4) UUID; while planning it is unknown,
// so that a plan does not change on every run.
func uuidFunc(planning bool) function.Function {
	return function.New(&function.Spec{
		Description: "Returns a new random UUID (version 4). It is known only after apply.",
		Type:        function.StaticReturnType(cty.String),
		Impl: func(_ []cty.Value, _ cty.Type) (cty.Value, error) {
			if planning {
				return cty.UnknownVal(cty.String).RefineNotNull(), nil
			}
			id, err := uuid.NewRandom()
			if err != nil {
				return cty.NilVal, fmt.Errorf("cannot generate a UUID: %w", err)
			}
			return cty.StringVal(id.String()), nil
		},
	})
}

// uuidV5Func is Terraform's uuidv5(namespace, name): a name-based UUID that
// is the same for the same inputs.
var uuidV5Func = function.New(&function.Spec{
	Description: `Returns a name-based (version 5) UUID. namespace is "dns", "url", "oid", "x500" or a UUID.`,
	Params: []function.Parameter{
		{Name: "namespace", Type: cty.String},
		{Name: "name", Type: cty.String},
	},
	Type: function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		var ns uuid.UUID
		switch s := args[0].AsString(); s {
		case "dns":
			ns = uuid.NameSpaceDNS
		case "url":
			ns = uuid.NameSpaceURL
		case "oid":
			ns = uuid.NameSpaceOID
		case "x500":
			ns = uuid.NameSpaceX500
		default:
			var err error
			if ns, err = uuid.Parse(s); err != nil {
				return cty.NilVal, function.NewArgErrorf(0, `namespace %q is neither "dns", "url", "oid", "x500" nor a UUID`, s)
			}
		}
		return cty.StringVal(uuid.NewSHA1(ns, []byte(args[1].AsString())).String()), nil
	},
})
