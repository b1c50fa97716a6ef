package state

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// InstanceAddr returns the address of one instance: resAddr alone for the
// key "", and resAddr[key] otherwise: "experiment.e[0]", `experiment.e["a"]`.
func InstanceAddr(resAddr, key string) string {
	if key == "" {
		return resAddr
	}
	return resAddr + "[" + key + "]"
}

// IntKey returns the instance key of the count index i: "0", "1"...
func IntKey(i int) string {
	return strconv.Itoa(i)
}

// StringKey returns the instance key of the for_each key k: the key as an
// HCL quoted string, `"a"`.
func StringKey(k string) string {
	toks := hclwrite.TokensForValue(cty.StringVal(k))
	return strings.TrimSpace(string(toks.Bytes()))
}

// CheckKey reports whether key is a valid instance key: "", a count index
// or an HCL quoted string.
func CheckKey(key string) error {
	switch {
	case key == "":
		return nil
	case key[0] == '"':
		if len(key) < 2 || key[len(key)-1] != '"' || !utf8.ValidString(key) {
			return fmt.Errorf("instance key %s is not a quoted string", key)
		}
		return nil
	default:
		if n, err := strconv.ParseUint(key, 10, 63); err != nil || strconv.FormatUint(n, 10) != key {
			return fmt.Errorf("instance key %q is neither a count index (0, 1, ...) nor a quoted for_each key", key)
		}
		return nil
	}
}

// compareKeys orders instance keys: "" first, then count indexes in
// numeric order, then for_each keys in byte order.
func compareKeys(a, b string) int {
	ra, rb := keyRank(a), keyRank(b)
	if ra != rb {
		return cmp.Compare(ra, rb)
	}
	if ra == 1 {
		if c := cmp.Compare(len(a), len(b)); c != 0 {
			return c
		}
	}
	return strings.Compare(a, b)
}

func keyRank(k string) int {
	switch {
	case k == "":
		return 0
	case k[0] >= '0' && k[0] <= '9':
		return 1
	default:
		return 2
	}
}
