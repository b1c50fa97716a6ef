package lang

import (
	"fmt"

	"github.com/agext/levenshtein"
)

// Suggest is the name among names closest to s, when it is close enough
// to be what s meant ("" otherwise): how a misspelled command, flag,
// variable or attribute gets its "did you mean".
func Suggest(s string, names []string) string {
	best, bestDist := "", 3
	if len(s) < 4 {
		bestDist = 2
	}
	for _, n := range names {
		if n == s {
			continue
		}
		if d := levenshtein.Distance(s, n, nil); d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}

// DidYouMean is " Did you mean PREFIX+SUGGESTION?" for the name closest to
// s, or "" when none is close.
func DidYouMean(s, prefix string, names []string) string {
	if m := Suggest(s, names); m != "" {
		return fmt.Sprintf(" Did you mean %s%s?", prefix, m)
	}
	return ""
}
