package validate

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// jsonBatch is up to batchRows lines of a JSON lines object.
type jsonBatch struct {
	where
	data []byte
	ends []int // end offset of each line in data
}

// jsonState is a worker's reusable decoding state.
type jsonState struct {
	m map[string]json.RawMessage
}

func (b *jsonBatch) process(w *worker) {
	r := w.r
	if w.json.m == nil {
		w.json.m = map[string]json.RawMessage{}
	}
	var seen []bool
	start := 0
	for i, end := range b.ends {
		line := b.data[start:end]
		start = end
		m := w.json.m
		clear(m)
		if err := json.Unmarshal(line, &m); err != nil {
			msg := err.Error()
			var ute *json.UnmarshalTypeError
			if errors.As(err, &ute) {
				msg = fmt.Sprintf("the line holds a JSON %s, not an object", ute.Value)
			}
			w.rowFail(CheckRead, "", b.ref(i, "not a JSON object: "+msg))
			continue
		}
		for name, raw := range m {
			def := w.column(name, String)
			if def == nil {
				if r.c.Schema && !r.c.AllowExtra {
					w.rowFail(CheckExtraColumn, name, b.ref(i, fmt.Sprintf("has the key %q", name)))
				}
				continue
			}
			if !def.spec.declared {
				a := w.acc(def)
				if isNull(raw) {
					a.null(&b.where, i)
				} else {
					a.str(jsonText(raw), &b.where, i)
				}
				continue
			}
			for def.idx >= len(seen) {
				seen = append(seen, false)
			}
			seen[def.idx] = true
			w.acc(def).json(raw, &b.where, i)
		}
		for _, def := range r.declaredColumns() {
			if _, ok := m[def.name()]; !ok {
				w.acc(def).null(&b.where, i)
			}
		}
	}
	w.flushKeys()
	if len(seen) > 0 {
		r.mu.Lock()
		p := r.present[b.obj]
		for len(p) < len(seen) {
			p = append(p, false)
		}
		for i, s := range seen {
			p[i] = p[i] || s
		}
		r.present[b.obj] = p
		r.mu.Unlock()
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
		if ns, ok := parseTimestamp(jsonText(raw)); ok {
			a.time(ns, w, r)
		} else {
			a.typeError(w, r, jsonText(raw))
		}
	}
}

func (r *run) readJSONL(obj int32, o Object) {
	rc, ok := r.open(obj, o)
	if !ok {
		return
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 256<<10)
	var rows, line int64
	newBatch := func() *jsonBatch {
		return &jsonBatch{where: where{obj: obj, firstRow: rows, lines: make([]int64, 0, r.batchRows)}}
	}
	b := newBatch()
	var long []byte
	for {
		sl, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long, sl...)
			continue
		}
		if long != nil {
			sl = append(long, sl...)
			long = nil
		}
		if len(sl) > 0 {
			line++
			if t := bytes.TrimSpace(sl); len(t) > 0 {
				b.data = append(b.data, t...)
				b.ends = append(b.ends, len(b.data))
				b.lines = append(b.lines, line)
				rows++
				if len(b.ends) == r.batchRows {
					if !r.send(b) {
						return
					}
					b = newBatch()
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			r.objectFail(CheckRead, "", obj, fmt.Sprintf("cannot be read after %d lines: %v", line, err))
			break
		}
	}
	if len(b.ends) > 0 {
		r.send(b)
	}
	if rows == 0 {
		r.objectFail(CheckEmpty, "", obj, "has no records, only blank lines")
	}
	r.setRows(obj, rows)
}
