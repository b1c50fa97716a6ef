package search

import (
	"math"
	"testing"
)

func TestUpperTailMatchesErfc(t *testing.T) {
	for z := 0.0; z < 8.5; z += 0.0007 {
		want := 0.5 * math.Erfc(z/math.Sqrt2)
		if got := upperTail(z); math.Abs(got-want) > 1e-10 {
			t.Fatalf("upperTail(%v) = %v, want %v", z, got, want)
		}
	}
}
