package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// jsonChunk is a piece of a JSON lines object holding whole lines; the
// worker splits it into lines (a JSON text holds no raw line break).
type jsonChunk struct {
	obj  int32
	data []byte
	buf  *[]byte
	line int64 // the line data starts on
}

// jsonState is a worker's reusable decoding state.
type jsonState struct {
	m     map[string]json.RawMessage
	where where
}

func (c *jsonChunk) process(w *worker) {
	r := w.r
	if w.json.m == nil {
		w.json.m = map[string]json.RawMessage{}
	}
	b := &w.json.where
	*b = where{obj: c.obj, lines: b.lines[:0]}
	var seen []bool
	var rows int64
	line := c.line
	for data := c.data; len(data) > 0; line++ {
		end := bytes.IndexByte(data, '\n')
		if end < 0 {
			end = len(data) - 1
		}
		text := bytes.TrimSpace(data[:end+1])
		data = data[end+1:]
		if len(text) == 0 {
			continue
		}
		rows++
		b.lines = append(b.lines[:0], line)
		w.jsonLine(text, b, &seen)
	}
	w.flushKeys()
	if len(seen) > 0 {
		r.mu.Lock()
		p := r.present[c.obj]
		for len(p) < len(seen) {
			p = append(p, false)
		}
		for i, s := range seen {
			p[i] = p[i] || s
		}
		r.present[c.obj] = p
		r.mu.Unlock()
	}
	r.addRows(c.obj, rows)
	r.putBuffer(c.buf)
	r.pieceDone(c.obj)
}

// jsonLine checks one record, row 0 of b; seen notes the declared columns
// it has.
func (w *worker) jsonLine(line []byte, b *where, seen *[]bool) {
	r := w.r
	m := w.json.m
	clear(m)
	if err := json.Unmarshal(line, &m); err != nil {
		msg := err.Error()
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			msg = fmt.Sprintf("the line holds a JSON %s, not an object", ute.Value)
		}
		w.rowFail(CheckRead, "", b.ref(0, "not a JSON object: "+msg))
		return
	}
	for name, raw := range m {
		def := w.column(name, String)
		if def == nil {
			if r.c.Schema && !r.c.AllowExtra {
				w.rowFail(CheckExtraColumn, name, b.ref(0, fmt.Sprintf("has the key %q", name)))
			}
			continue
		}
		if !def.spec.declared {
			a := w.acc(def)
			if isNull(raw) {
				a.null(b, 0)
			} else {
				a.str(jsonText(raw), b, 0)
			}
			continue
		}
		for def.idx >= len(*seen) {
			*seen = append(*seen, false)
		}
		(*seen)[def.idx] = true
		w.acc(def).json(raw, b, 0)
	}
	for _, def := range r.declaredColumns() {
		if _, ok := m[def.name()]; !ok {
			w.acc(def).null(b, 0)
		}
	}
}

func isNull(raw []byte) bool { return len(raw) == 0 || string(raw) == "null" }

// jsonText is a JSON value as text: a string without its quotes, anything
// else as written.
func jsonText(raw []byte) string {
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	}
	return string(raw)
}

// json observes one JSON value of a declared column.
func (a *acc) json(raw []byte, w *where, r int) {
	if isNull(raw) {
		a.null(w, r)
		return
	}
	switch a.def.typ() {
	case Int64:
		if raw[0] == '"' || raw[0] == '{' || raw[0] == '[' || raw[0] == 't' || raw[0] == 'f' {
			a.typeError(w, r, string(raw))
			return
		}
		s := string(raw)
		if v, err := strconv.ParseInt(s, 10, 64); err == nil {
			a.int(v, w, r)
			return
		}
		// 3.0 and 1e3 are whole numbers too.
		if f, err := strconv.ParseFloat(s, 64); err == nil && f == math.Trunc(f) && math.Abs(f) <= 1<<53 {
			a.int(int64(f), w, r)
			return
		}
		a.typeError(w, r, s)
	case Float64:
		if raw[0] == '"' || raw[0] == '{' || raw[0] == '[' || raw[0] == 't' || raw[0] == 'f' {
			a.typeError(w, r, string(raw))
			return
		}
		if v, err := strconv.ParseFloat(string(raw), 64); err == nil {
			a.float(v, w, r)
		} else {
			a.typeError(w, r, string(raw))
		}
	case String:
		if raw[0] != '"' {
			a.typeError(w, r, string(raw))
			return
		}
		a.str(jsonText(raw), w, r)
	case Bool:
		switch string(raw) {
		case "true":
			a.bool(true, w, r)
		case "false":
			a.bool(false, w, r)
		default:
			a.typeError(w, r, string(raw))
		}
	case Timestamp:
		if raw[0] != '"' {
			a.typeError(w, r, string(raw))
			return
		}
		if ns, ok := a.days.parse(jsonText(raw)); ok {
			a.time(ns, w, r)
		} else {
			a.typeError(w, r, jsonText(raw))
		}
	}
}

// readJSONL reads an object in chunks of whole lines and hands them to the
// workers.
func (r *run) readJSONL(obj int32, o Object) {
	rc, ok := r.open(obj, o)
	if !ok {
		return
	}
	defer rc.Close()
	ch := chunker{r: rc, size: r.chunkSize, split: func(b []byte) int { return bytes.LastIndexByte(b, '\n') + 1 }}
	line, blank, first := int64(1), true, true
	for {
		buf := r.getBuffer()
		data, err := ch.next(buf)
		if err != nil || data == nil {
			r.putBuffer(buf)
			if err != nil {
				r.objectFail(CheckRead, "", obj, fmt.Sprintf("cannot be read after %d lines: %v", line-1, err))
			} else if blank {
				r.objectFail(CheckEmpty, "", obj, "has no records, only blank lines")
			}
			return
		}
		if first {
			data, first = bytes.TrimPrefix(data, bom), false
			r.expectRows(int64(len(data)), int64(bytes.Count(data, []byte{'\n'})))
		}
		blank = blank && len(bytes.TrimSpace(data)) == 0
		c := &jsonChunk{obj: obj, data: data, buf: buf, line: line}
		line += int64(bytes.Count(data, []byte{'\n'}))
		r.pending[obj].Add(1)
		if !r.send(c) {
			return
		}
	}
}
