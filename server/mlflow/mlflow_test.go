package mlflow_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/mltf/mltf/internal/pgtest"
	"github.com/mltf/mltf/server"
	"github.com/mltf/mltf/server/api"
	"github.com/mltf/mltf/state/tracking"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// step is one request of a fixture and the answer it must get.
//
// In the expected answer, "*" is any value, "$set:NAME" any value that is
// kept as ${NAME} for later steps (paths, bodies, answers), and an object
// holding "$any": true may have more fields than it lists; otherwise
// objects have exactly the fields listed and arrays the elements listed,
// in order.
//
// A path is under /api/2.0/mlflow/ unless it begins with "/". Raw is a
// body sent as it is (a file uploaded), and Text an answer that is not
// JSON (a file downloaded).
type step struct {
	Doc      string          `json:"doc"`
	Method   string          `json:"method"`
	Path     string          `json:"path"`
	Body     json.RawMessage `json:"body"`
	Raw      *string         `json:"raw"`
	Status   int             `json:"status"`
	Response json.RawMessage `json:"response"`
	Text     *string         `json:"text"`
}

// newServer serves a fresh tracking store and returns the server's URL
// and an admin token.
func newServer(t *testing.T, url string) (string, string) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	ts, err := tracking.Open(ctx, url, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ts.Close() })
	token, _, err := server.CreateToken(ctx, ts, api.Admin, "fixtures")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(server.Options{Tracking: ts, ArtifactsURL: "file://" + filepath.Join(dir, "artifacts")}))
	t.Cleanup(srv.Close)
	return srv.URL, token
}

var stores = []struct {
	name string
	url  func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "tracking.db") }},
	{"postgres", func(t *testing.T) string { return pgtest.URL(t) }},
}

// TestFixtures replays the request and answer fixtures of testdata,
// written from MLflow's REST API reference, on each tracking database.
func TestFixtures(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.json")
	if len(files) == 0 {
		t.Fatal("no fixtures in testdata")
	}
	for _, db := range stores {
		for _, f := range files {
			t.Run(db.name+"/"+strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				var steps []step
				if err := json.Unmarshal(b, &steps); err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				base, token := newServer(t, db.url(t))
				vars := map[string]string{}
				for i, s := range steps {
					name := fmt.Sprintf("%s step %d (%s %s)", filepath.Base(f), i+1, s.Method, s.Path)
					if s.Doc != "" {
						name += ": " + s.Doc
					}
					replay(t, name, base, token, s, vars)
					if t.Failed() {
						return
					}
				}
			})
		}
	}
}

var varRef = regexp.MustCompile(`\$\{(\w+)\}`)

func expand(s string, vars map[string]string) string {
	return varRef.ReplaceAllStringFunc(s, func(m string) string { return vars[m[2:len(m)-1]] })
}

func replay(t *testing.T, name, base, token string, s step, vars map[string]string) {
	t.Helper()
	var body io.Reader
	ctype := ""
	switch {
	case s.Raw != nil:
		body, ctype = strings.NewReader(*s.Raw), "application/octet-stream"
	case len(s.Body) > 0:
		body, ctype = strings.NewReader(expand(string(s.Body), vars)), "application/json"
	}
	path := expand(s.Path, vars)
	if !strings.HasPrefix(path, "/") {
		path = "/api/2.0/mlflow/" + path
	}
	req, err := http.NewRequest(s.Method, base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != s.Status {
		t.Errorf("%s: status %d, want %d\n%s", name, resp.StatusCode, s.Status, got)
		return
	}
	if s.Text != nil {
		if string(got) != *s.Text {
			t.Errorf("%s: answer %q, want %q", name, got, *s.Text)
		}
		return
	}
	var want, have any
	if err := json.Unmarshal([]byte(expand(string(s.Response), vars)), &want); err != nil {
		t.Fatalf("%s: the fixture's response: %v", name, err)
	}
	dec := json.NewDecoder(bytes.NewReader(got))
	dec.UseNumber()
	if err := dec.Decode(&have); err != nil {
		t.Errorf("%s: the answer is not JSON: %v\n%s", name, err, got)
		return
	}
	if problems := match("", want, have, vars); len(problems) > 0 {
		t.Errorf("%s:\n  %s\nanswer: %s", name, strings.Join(problems, "\n  "), got)
	}
}

// match compares an answer with the expected one, recording $set values.
func match(path string, want, have any, vars map[string]string) []string {
	switch w := want.(type) {
	case string:
		switch {
		case w == "*":
			return nil
		case strings.HasPrefix(w, "$set:"):
			vars[w[5:]] = fmt.Sprint(have)
			return nil
		}
		if h, ok := have.(string); !ok || h != w {
			return []string{fmt.Sprintf("%s = %v, want %q", path, have, w)}
		}
		return nil
	case float64:
		n, ok := have.(json.Number)
		if !ok {
			return []string{fmt.Sprintf("%s = %v, want the number %v", path, have, w)}
		}
		if f, _ := n.Float64(); f != w {
			return []string{fmt.Sprintf("%s = %v, want %v", path, n, w)}
		}
		return nil
	case []any:
		h, ok := have.([]any)
		if !ok || len(h) != len(w) {
			return []string{fmt.Sprintf("%s = %v, want %d elements", path, have, len(w))}
		}
		var out []string
		for i := range w {
			out = append(out, match(fmt.Sprintf("%s[%d]", path, i), w[i], h[i], vars)...)
		}
		return out
	case map[string]any:
		h, ok := have.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s = %v, want an object", path, have)}
		}
		var out []string
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if k == "$any" {
				continue
			}
			hv, ok := h[k]
			if !ok {
				out = append(out, fmt.Sprintf("%s.%s is missing", path, k))
				continue
			}
			out = append(out, match(path+"."+k, w[k], hv, vars)...)
		}
		if w["$any"] != true {
			for k := range h {
				if _, ok := w[k]; !ok {
					out = append(out, fmt.Sprintf("%s.%s is not expected (%v)", path, k, h[k]))
				}
			}
		}
		return out
	case bool:
		if have != w {
			return []string{fmt.Sprintf("%s = %v, want %v", path, have, w)}
		}
	case nil:
		if have != nil {
			return []string{fmt.Sprintf("%s = %v, want null", path, have)}
		}
	}
	return nil
}
