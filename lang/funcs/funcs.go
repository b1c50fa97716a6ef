package funcs

import (
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// Functions returns the function table for an HCL evaluation context. baseDir is the
// configuration directory that relative paths in file functions resolve against.
// When planning is true, impure functions (timestamp, uuid) return unknown values
// ("known after apply"), as in Terraform.
//
// Each call returns a new map; callers may add or remove entries before
// evaluating. templatefile looks the table up when it runs, so templates see
// the functions as the caller left them (less templatefile); the map must
// not change while expressions are being evaluated.
func Functions(baseDir string, planning bool) map[string]function.Function {
	fns := pureFunctions(baseDir)
	fns["timestamp"] = timestampFunc(planning)
	fns["uuid"] = uuidFunc(planning)
	// templatefile sees the same table as the configuration, less
	// templatefile itself (a template may not render another template).
	fns["templatefile"] = templateFileFunc(baseDir, func() map[string]function.Function {
		inner := make(map[string]function.Function, len(fns))
		for name, fn := range fns {
			if name != "templatefile" {
				inner[name] = fn
			}
		}
		inner["templatefile"] = noNestedTemplateFunc
		return inner
	})
	return fns
}

// pureFunctions is every function whose result depends only on its
// arguments and on the files below baseDir.
func pureFunctions(baseDir string) map[string]function.Function {
	return map[string]function.Function{
		// numbers
		"abs":      stdlib.AbsoluteFunc,
		"ceil":     stdlib.CeilFunc,
		"floor":    stdlib.FloorFunc,
		"log":      stdlib.LogFunc,
		"max":      stdlib.MaxFunc,
		"min":      stdlib.MinFunc,
		"parseint": stdlib.ParseIntFunc,
		"pow":      stdlib.PowFunc,
		"signum":   stdlib.SignumFunc,

		// strings
		"chomp":       stdlib.ChompFunc,
		"endswith":    endsWithFunc,
		"format":      stdlib.FormatFunc,
		"formatlist":  stdlib.FormatListFunc,
		"indent":      stdlib.IndentFunc,
		"join":        stdlib.JoinFunc,
		"lower":       stdlib.LowerFunc,
		"regex":       stdlib.RegexFunc,
		"regexall":    stdlib.RegexAllFunc,
		"replace":     replaceFunc,
		"split":       stdlib.SplitFunc,
		"startswith":  startsWithFunc,
		"strcontains": strContainsFunc,
		"strrev":      stdlib.ReverseFunc,
		"substr":      stdlib.SubstrFunc,
		"title":       stdlib.TitleFunc,
		"trim":        stdlib.TrimFunc,
		"trimprefix":  stdlib.TrimPrefixFunc,
		"trimspace":   stdlib.TrimSpaceFunc,
		"trimsuffix":  stdlib.TrimSuffixFunc,
		"upper":       stdlib.UpperFunc,

		// collections
		"alltrue":         allTrueFunc,
		"anytrue":         anyTrueFunc,
		"chunklist":       stdlib.ChunklistFunc,
		"coalesce":        coalesceFunc,
		"coalescelist":    stdlib.CoalesceListFunc,
		"compact":         stdlib.CompactFunc,
		"concat":          stdlib.ConcatFunc,
		"contains":        stdlib.ContainsFunc,
		"distinct":        stdlib.DistinctFunc,
		"element":         stdlib.ElementFunc,
		"flatten":         stdlib.FlattenFunc,
		"index":           indexFunc,
		"keys":            stdlib.KeysFunc,
		"length":          lengthFunc,
		"lookup":          stdlib.LookupFunc,
		"matchkeys":       matchKeysFunc,
		"merge":           stdlib.MergeFunc,
		"one":             oneFunc,
		"range":           stdlib.RangeFunc,
		"reverse":         stdlib.ReverseListFunc,
		"setintersection": stdlib.SetIntersectionFunc,
		"setproduct":      stdlib.SetProductFunc,
		"setsubtract":     stdlib.SetSubtractFunc,
		"setunion":        stdlib.SetUnionFunc,
		"slice":           stdlib.SliceFunc,
		"sort":            stdlib.SortFunc,
		"sum":             sumFunc,
		"transpose":       transposeFunc,
		"values":          stdlib.ValuesFunc,
		"zipmap":          stdlib.ZipmapFunc,

		// encodings
		"base64decode": base64DecodeFunc,
		"base64encode": base64EncodeFunc,
		"base64gzip":   base64GzipFunc,
		"csvdecode":    stdlib.CSVDecodeFunc,
		"jsondecode":   stdlib.JSONDecodeFunc,
		"jsonencode":   stdlib.JSONEncodeFunc,
		"urlencode":    urlEncodeFunc,
		"yamldecode":   yamlDecodeFunc,
		"yamlencode":   yamlEncodeFunc,

		// hashes and identifiers
		"base64sha256": base64SHA256Func,
		"base64sha512": base64SHA512Func,
		"md5":          md5Func,
		"sha1":         sha1Func,
		"sha256":       sha256Func,
		"sha512":       sha512Func,
		"uuidv5":       uuidV5Func,

		// files and paths
		"abspath":          absPathFunc(baseDir),
		"basename":         baseNameFunc,
		"dirname":          dirNameFunc,
		"file":             fileFunc(baseDir),
		"filebase64":       fileBase64Func(baseDir),
		"filebase64sha256": fileHashFunc(baseDir, "SHA-256 hash, Base64-encoded,", sha256Sum, base64Encode),
		"filebase64sha512": fileHashFunc(baseDir, "SHA-512 hash, Base64-encoded,", sha512Sum, base64Encode),
		"fileexists":       fileExistsFunc(baseDir),
		"filemd5":          fileHashFunc(baseDir, "MD5 hash, hex-encoded,", md5Sum, hexEncode),
		"fileset":          fileSetFunc(baseDir),
		"filesha1":         fileHashFunc(baseDir, "SHA-1 hash, hex-encoded,", sha1Sum, hexEncode),
		"filesha256":       fileHashFunc(baseDir, "SHA-256 hash, hex-encoded,", sha256Sum, hexEncode),
		"filesha512":       fileHashFunc(baseDir, "SHA-512 hash, hex-encoded,", sha512Sum, hexEncode),
		"pathexpand":       pathExpandFunc,

		// dates and times
		"formatdate": stdlib.FormatDateFunc,
		"timeadd":    stdlib.TimeAddFunc,
		"timecmp":    timeCmpFunc,

		// types
		"can":      canFunc,
		"tobool":   stdlib.MakeToFunc(cty.Bool),
		"tolist":   stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
		"tomap":    stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
		"tonumber": stdlib.MakeToFunc(cty.Number),
		"toset":    stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
		"tostring": stdlib.MakeToFunc(cty.String),
		"try":      tryFunc,
	}
}
