package plugin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"
)

// tailLines is how many of the plugin's last output lines a fault
// diagnostic quotes.
const tailLines = 20

// tail keeps the last lines a plugin wrote to stderr (and to stdout after
// the handshake). JSON log lines from hclog are rendered as text.
type tail struct {
	mu    sync.Mutex
	lines []string
	// panicLeft counts the lines of a panic's stack still worth keeping:
	// the panic message and its first frames say what happened, and the
	// dump of every goroutine after them would push out what came before.
	panicLeft int
	inPanic   bool
	partial   map[string][]byte // unterminated line per source
}

func newTail() *tail { return &tail{partial: map[string][]byte{}} }

// writer returns an io.Writer that adds the lines written to it; when
// forward is not nil each complete line is also logged to it.
func (t *tail) writer(source string, forward hclog.Logger) *tailWriter {
	return &tailWriter{t: t, source: source, log: forward}
}

// panicFrames is how many lines after "panic:" a diagnostic keeps.
const panicFrames = 8

func (t *tail) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if strings.HasPrefix(line, "panic: ") || strings.HasPrefix(line, "fatal error: ") {
		t.inPanic, t.panicLeft = true, panicFrames
	} else if t.inPanic {
		if t.panicLeft == 0 {
			return
		}
		t.panicLeft--
	}
	t.lines = append(t.lines, line)
	if len(t.lines) > tailLines {
		t.lines = append(t.lines[:0:0], t.lines[len(t.lines)-tailLines:]...)
	}
}

// Lines returns the last lines, oldest first.
func (t *tail) Lines() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	ret := make([]string, len(t.lines))
	copy(ret, t.lines)
	return ret
}

// String renders the lines for a diagnostic's detail, or "" when there
// are none.
func (t *tail) String() string {
	lines := t.Lines()
	if len(lines) == 0 {
		return ""
	}
	return "Last lines the provider wrote to stderr:\n  " + strings.Join(lines, "\n  ")
}

type tailWriter struct {
	t      *tail
	source string
	log    hclog.Logger
}

func (w *tailWriter) Write(p []byte) (int, error) {
	w.t.mu.Lock()
	buf := append(w.t.partial[w.source], p...)
	var complete [][]byte
	for {
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			break
		}
		complete = append(complete, buf[:i])
		buf = buf[i+1:]
	}
	w.t.partial[w.source] = append([]byte(nil), buf...)
	w.t.mu.Unlock()
	for _, l := range complete {
		line := strings.TrimRight(string(l), "\r")
		if line == "" {
			continue
		}
		w.t.add(renderLogLine(line))
		if w.log != nil {
			w.log.Debug(line)
		}
	}
	return len(p), nil
}

// renderLogLine turns an hclog JSON line into "[ERROR] message: k=v";
// other lines are returned unchanged.
func renderLogLine(line string) string {
	if !strings.HasPrefix(line, "{") {
		return line
	}
	var m map[string]any
	if json.Unmarshal([]byte(line), &m) != nil {
		return line
	}
	msg, _ := m["@message"].(string)
	level, _ := m["@level"].(string)
	if msg == "" {
		return line
	}
	var keys []string
	for k := range m {
		if !strings.HasPrefix(k, "@") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	if level != "" {
		fmt.Fprintf(&b, "[%s] ", strings.ToUpper(level))
	}
	b.WriteString(msg)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%v", k, m[k])
	}
	return b.String()
}
