package validate

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestParseNumbers checks the fast paths against strconv.
func TestParseNumbers(t *testing.T) {
	for _, s := range []string{
		"0", "-0", "+0", "1", "-1", "+7", "42", "007", "0.5", ".5", "5.", "-.5", "1.25", "281.6",
		"0.530663", "123456789012345", "1234567890123456", "0.1", "0.3", "2.675", "999999999999999",
		"9007199254740993", "1e3", "1E-3", "inf", "-Inf", "NaN", "0x10", "1_000", "", "-", "+", ".", "1.2.3",
		"12a", " 1", "1 ", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
		"123456789012345678", "1234567890123456789", "0.000000000000001", "0.0000000000000001",
	} {
		checkParse(t, s)
	}
}

// checkParse compares parseFloat and parseInt of s with strconv.
func checkParse(t *testing.T, s string) {
	t.Helper()
	wantF, errF := strconv.ParseFloat(s, 64)
	gotF, okF := parseFloat(s)
	if okF != (errF == nil) || (okF && math.Float64bits(gotF) != math.Float64bits(wantF)) {
		t.Errorf("parseFloat(%q) = %v, %v; strconv: %v, %v", s, gotF, okF, wantF, errF)
	}
	wantI, errI := strconv.ParseInt(s, 10, 64)
	gotI, okI := parseInt(s)
	if okI != (errI == nil) || (okI && gotI != wantI) {
		t.Errorf("parseInt(%q) = %v, %v; strconv: %v, %v", s, gotI, okI, wantI, errI)
	}
}

// TestParseNumbersRandom checks the fast paths against strconv on random
// text made of digits and the bytes next to them that matter: signs, points,
// exponents, letters, and bytes just below '0', above '9' and above 0x7f.
func TestParseNumbersRandom(t *testing.T) {
	const alphabet = "0123456789012345678901234567890123456789.-+eE_x/:\x80\xff a"
	rng := rand.New(rand.NewPCG(17, 1))
	for range 300_000 {
		b := make([]byte, rng.IntN(24))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		checkParse(t, string(b))
		if t.Failed() {
			return
		}
	}
}

// BenchmarkParseNumbers parses the amounts and scores of datagen's
// transactions and their ids.
func BenchmarkParseNumbers(b *testing.B) {
	floats := []string{"281.6", "0.530663", "73.92", "0.271874", "7.74", "0.088006", "151.35", "0.389033"}
	ints := []string{"0", "506952113", "1013904226", "1520856339", "1", "0", "2027808452", "2534760565"}
	b.Run("float", func(b *testing.B) {
		var sum float64
		for b.Loop() {
			for _, s := range floats {
				f, _ := parseFloat(s)
				sum += f
			}
		}
		_ = sum
	})
	b.Run("int", func(b *testing.B) {
		var sum int64
		for b.Loop() {
			for _, s := range ints {
				v, _ := parseInt(s)
				sum += v
			}
		}
		_ = sum
	})
}
