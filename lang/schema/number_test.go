package schema

import (
	"math/big"
	"testing"
)

func TestFormatNumber(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"6050000", "6050000"},
		{"0", "0"},
		{"-42", "-42"},
		{"0.05", "0.05"},
		{"1234567.25", "1234567.25"},
		{"0.000001", "0.000001"},
		{"0.0000001", "1e-07"},
		{"100000000000000000000", "100000000000000000000"},
		{"1e21", "1e+21"},
		{"1.5e300", "1.5e+300"},
	} {
		f, _, err := big.ParseFloat(tc.in, 10, 512, big.ToNearestEven)
		if err != nil {
			t.Fatal(err)
		}
		if got := FormatNumber(f); got != tc.want {
			t.Errorf("FormatNumber(%s) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
