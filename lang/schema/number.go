package schema

import (
	"math/big"
	"strconv"
	"strings"
)

// FormatNumber renders a number the way a user writes it in HCL: 6050000
// and 0.05, not 6.05e+06 and 5e-02. Only magnitudes from 1e21 up, or below
// 1e-6, keep an exponent, where the digits would no longer be readable.
func FormatNumber(f *big.Float) string {
	g := f.Text('g', -1)
	i := strings.IndexByte(g, 'e')
	if i < 0 {
		return g
	}
	if exp, err := strconv.Atoi(g[i+1:]); err == nil && exp >= -6 && exp < 21 {
		return f.Text('f', -1)
	}
	return g
}
