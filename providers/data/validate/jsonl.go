package validate

import (
	"bytes"
	"fmt"
	"math"
	"slices"
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
	members []jsonMember
	defs    []*colDef // the column of each member; nil: not checked
	keyBuf  []byte
	// order is the previous line's keys by position and their columns:
	// the lines of a file mostly write the same keys in the same order,
	// and comparing a few bytes costs less than a map lookup.
	order []jsonKey
	// last holds, by column index, the member of the line that column
	// takes (the last of a key written twice), valid where stamp is the
	// line's number.
	last  []int32
	stamp []uint32
	gen   uint32
	where where
}

type jsonKey struct {
	key string
	def *colDef
}

func (c *jsonChunk) process(w *worker) {
	r := w.r
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
// it has. The line is split into its members first (nothing is observed
// from a line that is not a JSON object); a key written twice takes its
// last value.
func (w *worker) jsonLine(line []byte, b *where, seen *[]bool) {
	r := w.r
	js := &w.json
	var err error
	js.members, err = scanObject(line, js.members[:0], &js.keyBuf)
	if err != nil {
		w.rowFail(CheckRead, "", b.ref(0, "not a JSON object: "+err.Error()))
		return
	}
	js.gen++
	if js.gen == 0 { // wrapped: no stamp may look current
		clear(js.stamp)
		js.gen = 1
	}
	js.defs = js.defs[:0]
	for k, m := range js.members {
		def := w.jsonColumn(k, m.key)
		js.defs = append(js.defs, def)
		if def == nil {
			if r.c.Schema && !r.c.AllowExtra && !slices.ContainsFunc(js.members[:k], func(o jsonMember) bool { return bytes.Equal(o.key, m.key) }) {
				w.rowFail(CheckExtraColumn, string(m.key), b.ref(0, fmt.Sprintf("has the key %q", m.key)))
			}
			continue
		}
		for def.idx >= len(js.last) {
			js.last, js.stamp = append(js.last, 0), append(js.stamp, 0)
		}
		js.last[def.idx], js.stamp[def.idx] = int32(k), js.gen
	}
	for k, def := range js.defs {
		if def == nil || js.last[def.idx] != int32(k) {
			continue
		}
		raw := js.members[k].raw
		if !def.spec.declared {
			a := w.acc(def)
			switch {
			case isNull(raw):
				a.null(b, 0)
			case raw[0] == '"':
				a.str(jsonString(raw), b, 0)
			default:
				a.str(view(raw), b, 0)
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
		if def.idx >= len(js.stamp) || js.stamp[def.idx] != js.gen {
			w.acc(def).null(b, 0)
		}
	}
}

// jsonColumn is the column of key, the k-th key of a line.
func (w *worker) jsonColumn(k int, key []byte) *colDef {
	js := &w.json
	if k < len(js.order) && js.order[k].key == string(key) {
		return js.order[k].def
	}
	def, ok := w.cols[string(key)]
	if !ok {
		def = w.column(string(key), String)
	}
	for k >= len(js.order) {
		js.order = append(js.order, jsonKey{})
	}
	js.order[k] = jsonKey{string(key), def}
	return def
}

func isNull(raw []byte) bool { return len(raw) == 0 || string(raw) == "null" }

// json observes one JSON value of a declared column, as written (checked
// by scanObject); text is viewed, not copied.
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
		s := view(raw)
		if v, ok := parseInt(s); ok {
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
		if v, ok := parseFloat(view(raw)); ok {
			a.float(v, w, r)
		} else {
			a.typeError(w, r, string(raw))
		}
	case String:
		if raw[0] != '"' {
			a.typeError(w, r, string(raw))
			return
		}
		a.str(jsonString(raw), w, r)
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
		if ns, ok := a.days.parse(jsonString(raw)); ok {
			a.time(ns, w, r)
		} else {
			a.typeError(w, r, jsonString(raw))
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
