package search

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// Clause is one condition of a filter: Entity.Key Op Value, e.g. metrics
// accuracy >= 0.9.
type Clause struct {
	Entity string // metrics, params, tags or attributes
	Key    string
	Op     string // = != < <= > >= LIKE ILIKE IN NOT IN
	Value  string // a number for metrics; text otherwise
	Values []string
	Number float64
}

// Filter is a parsed filter: clauses that all hold.
type Filter struct {
	Clauses []Clause
}

// attributes are the run attributes a filter or an order may name, with
// their MLflow spellings.
var attributes = map[string]string{
	"status": "status", "run_id": "run_id", "run_name": "run_name", "start_time": "start_time",
	"end_time": "end_time", "artifact_uri": "artifact_uri", "user_id": "user_id", "created": "start_time",
	"address": "address", "name": "name", "workspace": "workspace", "fingerprint": "fingerprint", "experiment_id": "experiment_id",
}

// entity reads metrics.x, params.x, tags.x, attributes.x (or a bare
// attribute); singular forms too, as MLflow accepts them.
func entity(ident string) (string, string, error) {
	prefix, key, ok := strings.Cut(ident, ".")
	if !ok {
		if a, ok := attributes[strings.ToLower(ident)]; ok {
			return "attributes", a, nil
		}
		return "", "", fmt.Errorf("%q is not a metric, param, tag or attribute: write metrics.%s, params.%s or tags.%s", ident, ident, ident, ident)
	}
	key = unquote(key)
	switch strings.ToLower(prefix) {
	case "metrics", "metric":
		return "metrics", key, nil
	case "params", "param", "parameters", "parameter":
		return "params", key, nil
	case "tags", "tag":
		return "tags", key, nil
	case "attributes", "attribute", "attr", "run":
		if a, ok := attributes[strings.ToLower(key)]; ok {
			return "attributes", a, nil
		}
		return "", "", fmt.Errorf("unknown attribute %q: use status, run_name, run_id, start_time, end_time, user_id or artifact_uri", key)
	}
	return "", "", fmt.Errorf("unknown entity %q in %q: use metrics., params., tags. or attributes.", prefix, ident)
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '`' || s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// tokens splits a filter into identifiers, operators, quoted strings,
// numbers and parenthesised lists.
func tokens(s string) ([]string, error) {
	var out []string
	rs := []rune(s)
	for i := 0; i < len(rs); {
		c := rs[i]
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '\'' || c == '"' || c == '`':
			j := i + 1
			for j < len(rs) && rs[j] != c {
				j++
			}
			if j == len(rs) {
				return nil, fmt.Errorf("unclosed quote %c at %d", c, i+1)
			}
			// metrics."a b": glue the quoted name to its entity.
			if c != '\'' && len(out) > 0 && strings.HasSuffix(out[len(out)-1], ".") {
				out[len(out)-1] += string(rs[i : j+1])
			} else {
				out = append(out, string(rs[i:j+1]))
			}
			i = j + 1
		case c == '(' || c == ')' || c == ',':
			out = append(out, string(c))
			i++
		case strings.ContainsRune("<>=!", c):
			j := i + 1
			if j < len(rs) && rs[j] == '=' {
				j++
			}
			out = append(out, string(rs[i:j]))
			i = j
		default:
			j := i
			for j < len(rs) && !unicode.IsSpace(rs[j]) && !strings.ContainsRune("<>=!(),'", rs[j]) {
				if (rs[j] == '"' || rs[j] == '`') && j > i && rs[j-1] == '.' {
					break
				}
				j++
			}
			out = append(out, string(rs[i:j]))
			i = j
		}
	}
	return out, nil
}

// Parse reads a filter; "" is no condition.
func Parse(s string) (Filter, error) {
	toks, err := tokens(s)
	if err != nil {
		return Filter{}, fmt.Errorf("filter %q: %w", s, err)
	}
	var f Filter
	for i := 0; i < len(toks); {
		if len(f.Clauses) > 0 {
			if !strings.EqualFold(toks[i], "and") {
				return Filter{}, fmt.Errorf("filter %q: expected AND before %q (OR is not supported)", s, toks[i])
			}
			i++
		}
		if i+1 >= len(toks) {
			return Filter{}, fmt.Errorf("filter %q: a condition is entity.key OPERATOR value, e.g. metrics.accuracy >= 0.9", s)
		}
		var c Clause
		if c.Entity, c.Key, err = entity(toks[i]); err != nil {
			return Filter{}, fmt.Errorf("filter %q: %w", s, err)
		}
		i++
		op := strings.ToUpper(toks[i])
		i++
		if op == "NOT" && i < len(toks) && strings.EqualFold(toks[i], "IN") {
			op, i = "NOT IN", i+1
		}
		c.Op = op
		switch op {
		case "=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE":
			if i >= len(toks) {
				return Filter{}, fmt.Errorf("filter %q: %s needs a value", s, op)
			}
			c.Value = toks[i]
			i++
		case "IN", "NOT IN":
			if i >= len(toks) || toks[i] != "(" {
				return Filter{}, fmt.Errorf("filter %q: %s takes a list: ('a', 'b')", s, op)
			}
			i++
			for i < len(toks) && toks[i] != ")" {
				if toks[i] != "," {
					c.Values = append(c.Values, unquote(toks[i]))
				}
				i++
			}
			if i == len(toks) {
				return Filter{}, fmt.Errorf("filter %q: unclosed list", s)
			}
			i++
		default:
			return Filter{}, fmt.Errorf("filter %q: unknown operator %q; use = != < <= > >= LIKE ILIKE IN NOT IN", s, toks[i-1])
		}
		if err := c.check(); err != nil {
			return Filter{}, fmt.Errorf("filter %q: %w", s, err)
		}
		f.Clauses = append(f.Clauses, c)
	}
	return f, nil
}

func (c *Clause) check() error {
	if c.Entity == "metrics" || (c.Entity == "attributes" && (c.Key == "start_time" || c.Key == "end_time")) {
		switch c.Op {
		case "=", "!=", "<", "<=", ">", ">=":
		default:
			return fmt.Errorf("%s.%s compares numbers: use = != < <= > >=", c.Entity, c.Key)
		}
		n, err := strconv.ParseFloat(c.Value, 64)
		if err != nil {
			return fmt.Errorf("%s.%s %s %s: %s is not a number", c.Entity, c.Key, c.Op, c.Value, c.Value)
		}
		c.Number = n
		return nil
	}
	if c.Values != nil {
		return nil
	}
	if len(c.Value) < 2 || (c.Value[0] != '\'' && c.Value[0] != '"') {
		return fmt.Errorf("%s.%s %s %s: quote the value: '%s'", c.Entity, c.Key, c.Op, c.Value, c.Value)
	}
	c.Value = unquote(c.Value)
	switch c.Op {
	case "<", "<=", ">", ">=":
		return fmt.Errorf("%s.%s: compare text with = != LIKE ILIKE IN", c.Entity, c.Key)
	}
	return nil
}

// Order is one key of an ordering.
type Order struct {
	Entity string
	Key    string
	Desc   bool
}

// ParseOrder reads order_by entries: "metrics.accuracy DESC",
// "attributes.start_time", "params.lr ASC".
func ParseOrder(entries []string) ([]Order, error) {
	var out []Order
	for _, e := range entries {
		fields := strings.Fields(e)
		if len(fields) == 0 {
			continue
		}
		o := Order{}
		ident := fields[0]
		if len(fields) > 1 {
			switch strings.ToUpper(fields[len(fields)-1]) {
			case "DESC":
				o.Desc = true
				fields = fields[:len(fields)-1]
			case "ASC":
				fields = fields[:len(fields)-1]
			}
			ident = strings.Join(fields, " ")
		}
		var err error
		if o.Entity, o.Key, err = entity(ident); err != nil {
			return nil, fmt.Errorf("order_by %q: %w", e, err)
		}
		out = append(out, o)
	}
	return out, nil
}
