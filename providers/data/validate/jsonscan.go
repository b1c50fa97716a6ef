package validate

import (
	"encoding/json"
	"fmt"
)

// jsonMember is one member of a JSON object line: its key (unescaped) and
// its value as written, a view of the line.
type jsonMember struct {
	key, raw []byte
}

// jsonSyntax is why a line is not a JSON object, at a byte offset (-1:
// the whole line).
type jsonSyntax struct {
	msg string
	off int
}

func (e *jsonSyntax) Error() string {
	if e.off < 0 {
		return e.msg
	}
	return fmt.Sprintf("%s, at column %d", e.msg, e.off+1)
}

// scanObject splits a line holding one JSON object into its members,
// appending them to ms, without decoding the values: a scalar is checked
// against JSON's grammar as it is skipped, a nested object or array is
// checked whole (json.Valid). A key with escapes is unescaped into keyBuf.
// Every member of ms points into line or keyBuf.
func scanObject(line []byte, ms []jsonMember, keyBuf *[]byte) ([]jsonMember, error) {
	i := skipSpace(line, 0)
	if i == len(line) {
		return ms, &jsonSyntax{"the line is empty", i}
	}
	if line[i] != '{' {
		return ms, notObject(line, i)
	}
	*keyBuf = (*keyBuf)[:0]
	i = skipSpace(line, i+1)
	if i < len(line) && line[i] == '}' {
		return ms, trailing(line, i+1)
	}
	for {
		if i == len(line) {
			return ms, &jsonSyntax{"the line ends inside the object", i}
		}
		if line[i] != '"' {
			return ms, unexpected(line, i, "looking for the beginning of a key")
		}
		end, escaped, err := skipString(line, i)
		if err != nil {
			return ms, err
		}
		key := line[i+1 : end-1]
		if escaped {
			var s string
			if err := json.Unmarshal(line[i:end], &s); err != nil {
				return ms, &jsonSyntax{"invalid key", i}
			}
			start := len(*keyBuf)
			*keyBuf = append(*keyBuf, s...)
			key = (*keyBuf)[start:len(*keyBuf):len(*keyBuf)]
		}
		i = skipSpace(line, end)
		if i == len(line) {
			return ms, &jsonSyntax{"the line ends after a key", i}
		}
		if line[i] != ':' {
			return ms, unexpected(line, i, "after a key")
		}
		i = skipSpace(line, i+1)
		end, err = skipValue(line, i)
		if err != nil {
			return ms, err
		}
		ms = append(ms, jsonMember{key, line[i:end]})
		i = skipSpace(line, end)
		if i == len(line) {
			return ms, &jsonSyntax{"the line ends inside the object", i}
		}
		switch line[i] {
		case ',':
			i = skipSpace(line, i+1)
		case '}':
			return ms, trailing(line, i+1)
		default:
			return ms, unexpected(line, i, "after a value")
		}
	}
}

// notObject says what a line holds instead of an object.
func notObject(line []byte, i int) error {
	what := ""
	switch c := line[i]; {
	case c == '[':
		what = "array"
	case c == '"':
		what = "string"
	case c == '-' || c >= '0' && c <= '9':
		what = "number"
	case c == 't' || c == 'f':
		what = "bool"
	case c == 'n':
		what = "null"
	default:
		return unexpected(line, i, "looking for the beginning of an object")
	}
	return &jsonSyntax{"the line holds a JSON " + what + ", not an object", -1}
}

// trailing checks that only white space follows the object, at i.
func trailing(line []byte, i int) error {
	if i = skipSpace(line, i); i < len(line) {
		return unexpected(line, i, "after the object")
	}
	return nil
}

func unexpected(line []byte, i int, where string) error {
	return &jsonSyntax{fmt.Sprintf("invalid character %q %s", line[i], where), i}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// skipValue returns the end of the JSON value at b[i].
func skipValue(b []byte, i int) (int, error) {
	if i == len(b) {
		return i, &jsonSyntax{"the line ends where a value should be", i}
	}
	switch c := b[i]; {
	case c == '"':
		end, _, err := skipString(b, i)
		return end, err
	case c == '-' || c >= '0' && c <= '9':
		return skipNumber(b, i)
	case c == 't':
		return skipWord(b, i, "true")
	case c == 'f':
		return skipWord(b, i, "false")
	case c == 'n':
		return skipWord(b, i, "null")
	case c == '{' || c == '[':
		return skipNested(b, i)
	}
	return i, unexpected(b, i, "looking for the beginning of a value")
}

// skipString returns the end of the string at b[i] (past its closing
// quote), and whether it holds escapes.
func skipString(b []byte, i int) (int, bool, error) {
	escaped := false
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return j + 1, escaped, nil
		case c == '\\':
			escaped = true
			if j+1 == len(b) {
				return j, escaped, &jsonSyntax{"the line ends inside a string", j + 1}
			}
			switch b[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j++
			case 'u':
				for k := j + 2; k < j+6; k++ {
					if k == len(b) || !isHex(b[k]) {
						return k, escaped, &jsonSyntax{`invalid \u escape in a string (four hex digits follow \u)`, j}
					}
				}
				j += 5
			default:
				return j, escaped, &jsonSyntax{fmt.Sprintf("invalid escape %q in a string", b[j:j+2]), j}
			}
		case c < 0x20:
			return j, escaped, &jsonSyntax{fmt.Sprintf("invalid character %q in a string (control characters must be escaped)", c), j}
		}
	}
	return len(b), escaped, &jsonSyntax{"the line ends inside a string", len(b)}
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// skipNumber returns the end of the number at b[i]: -?(0|[1-9][0-9]*)
// (\.[0-9]+)?([eE][+-]?[0-9]+)?
func skipNumber(b []byte, i int) (int, error) {
	start := i
	bad := func(j int) (int, error) {
		end := j
		for end < len(b) && !isDelim(b[end]) {
			end++
		}
		return j, &jsonSyntax{fmt.Sprintf("invalid number %q", b[start:end]), start}
	}
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && isDigit(b[i]):
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	default:
		return bad(i)
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i == len(b) || !isDigit(b[i]) {
			return bad(i)
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i == len(b) || !isDigit(b[i]) {
			return bad(i)
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && !isDelim(b[i]) {
		return bad(i)
	}
	return i, nil
}

// isDelim says whether c may follow a scalar value.
func isDelim(c byte) bool {
	return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\r' || c == '\n'
}

func skipWord(b []byte, i int, word string) (int, error) {
	end := i + len(word)
	if end > len(b) || string(b[i:end]) != word || end < len(b) && !isDelim(b[end]) {
		return i, unexpected(b, i, "looking for the beginning of a value")
	}
	return end, nil
}

// skipNested returns the end of the object or array at b[i], which it
// checks whole: nested values are rare in tabular data, so they take the
// standard library's validation.
func skipNested(b []byte, i int) (int, error) {
	depth := 0
	for j := i; j < len(b); j++ {
		switch b[j] {
		case '"':
			end, _, err := skipString(b, j)
			if err != nil {
				return end, err
			}
			j = end - 1
		case '{', '[':
			depth++
		case '}', ']':
			if depth--; depth == 0 {
				if !json.Valid(b[i : j+1]) {
					return i, &jsonSyntax{"invalid nested value", i}
				}
				return j + 1, nil
			}
		}
	}
	return len(b), &jsonSyntax{"the line ends inside a nested value", len(b)}
}

// jsonString is the text of a JSON string value raw (quotes included):
// a view of raw when it has no escapes, else a new string.
func jsonString(raw []byte) string {
	for _, c := range raw[1 : len(raw)-1] {
		if c == '\\' {
			var s string
			json.Unmarshal(raw, &s) // raw was checked by skipString
			return s
		}
	}
	return view(raw[1 : len(raw)-1])
}
