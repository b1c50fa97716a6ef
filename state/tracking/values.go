package tracking

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Times are stored as Unix milliseconds; the zero time as NULL.

func msOrNull(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

func timeOf(ms sql.NullInt64) time.Time {
	if !ms.Valid {
		return time.Time{}
	}
	return time.UnixMilli(ms.Int64).UTC()
}

// now is the current time at the precision stored.
func now() time.Time { return time.UnixMilli(time.Now().UnixMilli()).UTC() }

// truncate brings t to the precision stored, so that what is written reads
// back equal.
func truncate(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return time.UnixMilli(t.UnixMilli()).UTC()
}

func encodeStrings(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func decodeStrings(s, what string) (map[string]string, error) {
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("%s: stored %q is not a JSON object of strings: %w", what, s, err)
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

func encodeInts(m map[string]int) string {
	if len(m) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func decodeInts(s, what string) (map[string]int, error) {
	var m map[string]int
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("%s: stored %q is not a JSON object of integers: %w", what, s, err)
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

// encodeFloats writes a JSON object of numbers, with NaN and the
// infinities as the strings "NaN", "Infinity" and "-Infinity" (JSON has no
// number for them, and a diverged loss is NaN).
func encodeFloats(m map[string]float64) string {
	if len(m) == 0 {
		return "{}"
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		switch {
		case math.IsNaN(v):
			out[k] = "NaN"
		case math.IsInf(v, 1):
			out[k] = "Infinity"
		case math.IsInf(v, -1):
			out[k] = "-Infinity"
		default:
			out[k] = v
		}
	}
	b, _ := json.Marshal(out)
	return string(b)
}

func decodeFloats(s, what string) (map[string]float64, error) {
	// Numbers only, the usual case, decode at once; a NaN or an infinity
	// (a string) needs the value by value decoding below.
	var m map[string]float64
	if err := json.Unmarshal([]byte(s), &m); err == nil {
		if len(m) == 0 {
			return nil, nil
		}
		return m, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, fmt.Errorf("%s: stored %q is not a JSON object: %w", what, s, err)
	}
	if len(raw) == 0 {
		return nil, nil
	}
	m = make(map[string]float64, len(raw))
	for k, v := range raw {
		var f float64
		if err := json.Unmarshal(v, &f); err == nil {
			m[k] = f
			continue
		}
		var str string
		if err := json.Unmarshal(v, &str); err != nil {
			return nil, fmt.Errorf("%s: %s is %s, not a number", what, k, v)
		}
		switch str {
		case "NaN":
			m[k] = math.NaN()
		case "Infinity":
			m[k] = math.Inf(1)
		case "-Infinity":
			m[k] = math.Inf(-1)
		default:
			f, err := strconv.ParseFloat(str, 64)
			if err != nil {
				return nil, fmt.Errorf("%s: %s is %q, not a number", what, k, str)
			}
			m[k] = f
		}
	}
	return m, nil
}
