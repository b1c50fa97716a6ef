package search

import (
	"fmt"
	"math"
)

// Distribution is how a parameter is drawn.
type Distribution uint8

const (
	// Uniform draws a float between Low and High (optionally on a Step grid).
	Uniform Distribution = iota + 1
	// LogUniform draws a float whose logarithm is uniform between log(Low)
	// and log(High).
	LogUniform
	// Int draws an integer between Low and High inclusive (Step defaults to 1).
	Int
	// Values picks one of Choices values, unordered.
	Values
)

func (d Distribution) String() string {
	switch d {
	case Uniform:
		return "uniform"
	case LogUniform:
		return "log_uniform"
	case Int:
		return "int"
	case Values:
		return "values"
	}
	return fmt.Sprintf("Distribution(%d)", uint8(d))
}

// Param is one dimension of the space. A trial's value for a Values
// parameter is the index of the chosen value; the caller keeps the values.
type Param struct {
	Name      string
	Dist      Distribution
	Low, High float64 // Uniform, LogUniform, Int
	Step      float64 // Uniform, Int: grid step; 0 means continuous (Uniform) or 1 (Int)
	Choices   int     // Values: how many values there are
}

// Space is the ordered list of parameters. Trials carry their values in the
// same order.
type Space []Param

// Validate reports the first problem with the space in words a user can act
// on, naming the parameter.
func (s Space) Validate() error {
	if len(s) == 0 {
		return fmt.Errorf("the space has no parameters")
	}
	seen := map[string]bool{}
	for _, p := range s {
		if seen[p.Name] {
			return fmt.Errorf("parameter %q is declared twice", p.Name)
		}
		seen[p.Name] = true
		if err := p.validate(); err != nil {
			return fmt.Errorf("parameter %q: %w", p.Name, err)
		}
	}
	return nil
}

func (p Param) validate() error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch p.Dist {
	case Values:
		if p.Choices < 1 {
			return fmt.Errorf("values needs at least one value")
		}
		return nil
	case Uniform, LogUniform, Int:
	default:
		return fmt.Errorf("unknown distribution %v", p.Dist)
	}
	if !finite(p.Low) || !finite(p.High) || !finite(p.Step) {
		return fmt.Errorf("bounds and step must be finite numbers")
	}
	if p.Low > p.High {
		return fmt.Errorf("low bound %v is above the high bound %v", p.Low, p.High)
	}
	if p.Step < 0 {
		return fmt.Errorf("step %v is negative", p.Step)
	}
	switch p.Dist {
	case LogUniform:
		if p.Low <= 0 {
			return fmt.Errorf("log_uniform needs a low bound above 0, not %v", p.Low)
		}
		if p.Step != 0 {
			return fmt.Errorf("log_uniform takes no step")
		}
	case Int:
		if p.Low != math.Trunc(p.Low) || p.High != math.Trunc(p.High) {
			return fmt.Errorf("int bounds must be whole numbers, not [%v, %v]", p.Low, p.High)
		}
		if p.Step != 0 && p.Step != math.Trunc(p.Step) {
			return fmt.Errorf("int step must be a whole number, not %v", p.Step)
		}
	}
	return nil
}

// step is the grid step of a numeric parameter, 0 when continuous.
func (p Param) step() float64 {
	if p.Dist == Int && p.Step == 0 {
		return 1
	}
	return p.Step
}

// high is the largest value the parameter can take: High, or the last grid
// point at or below it.
func (p Param) high() float64 {
	st := p.step()
	if st == 0 {
		return p.High
	}
	return p.Low + math.Floor((p.High-p.Low)/st+1e-9)*st
}

// Discrete reports whether the parameter takes finitely many values.
func (p Param) Discrete() bool { return p.Dist == Values || p.step() != 0 }

// Points lists every value a discrete parameter can take, in order.
func (p Param) Points() []float64 {
	if p.Dist == Values {
		out := make([]float64, p.Choices)
		for i := range out {
			out[i] = float64(i)
		}
		return out
	}
	st := p.step()
	if st == 0 {
		return nil
	}
	n := int(math.Round((p.high()-p.Low)/st)) + 1
	out := make([]float64, n)
	for i := range out {
		out[i] = p.snap(p.Low + float64(i)*st)
	}
	return out
}

// The internal (search) coordinate of a numeric parameter is its value, or
// its logarithm for LogUniform. Stepped parameters search the interval
// widened by half a step on each side, so that every grid point owns an
// equal share of it.

// bounds is the search interval in internal coordinates.
func (p Param) bounds() (lo, hi float64) {
	if p.Dist == LogUniform {
		return math.Log(p.Low), math.Log(p.High)
	}
	half := p.step() / 2
	return p.Low - half, p.high() + half
}

func (p Param) toInternal(v float64) float64 {
	if p.Dist == LogUniform {
		return math.Log(v)
	}
	return v
}

// fromInternal maps an internal coordinate back to a valid value.
func (p Param) fromInternal(x float64) float64 {
	if p.Dist == LogUniform {
		return math.Min(math.Max(math.Exp(x), p.Low), p.High)
	}
	return p.snap(x)
}

// snap puts a value on the parameter's grid and inside its bounds.
func (p Param) snap(v float64) float64 {
	hi := p.high()
	if st := p.step(); st != 0 {
		v = p.Low + math.Round((v-p.Low)/st)*st
		if p.Dist == Int {
			v = math.Round(v)
		} else {
			// Keep decimal steps readable: 0.1+0.2 prints as 0.3.
			v = roundTo(v, st)
		}
	}
	return math.Min(math.Max(v, p.Low), hi)
}

// roundTo rounds v to the decimal precision the step is written with (up to
// 12 digits), so values sit exactly on the printed grid.
func roundTo(v, step float64) float64 {
	digits := 0
	for s := step; digits < 12 && math.Abs(s-math.Round(s)) > 1e-9*math.Max(1, math.Abs(s)); s *= 10 {
		digits++
	}
	scale := math.Pow(10, float64(digits))
	return math.Round(v*scale) / scale
}

// Contains reports whether v is a value the parameter can take.
func (p Param) Contains(v float64) bool {
	if math.IsNaN(v) {
		return false
	}
	if p.Dist == Values {
		return v == math.Trunc(v) && v >= 0 && int(v) < p.Choices
	}
	if v < p.Low || v > p.high()+1e-12*math.Max(1, math.Abs(v)) {
		return false
	}
	if p.step() != 0 {
		return math.Abs(p.snap(v)-v) <= 1e-9*math.Max(1, math.Abs(v))
	}
	return true
}
