package examples_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mltf/mltf/internal/e2e"
)

// traffic posts the quickstart's rows, in a random order, to a
// deployment's infer endpoint from a few loops, and counts the answers by
// version and status ("2 200"; "error" for a failed connection).
type traffic struct {
	mu     sync.Mutex
	counts map[string]int
	stop   chan struct{}
	wg     sync.WaitGroup
}

func startTraffic(t *testing.T, url string, rows [][]string) *traffic {
	tr := &traffic{counts: map[string]int{}, stop: make(chan struct{})}
	for g := 0; g < 4; g++ {
		tr.wg.Add(1)
		go func() {
			defer tr.wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			for {
				select {
				case <-tr.stop:
					return
				default:
				}
				row := rows[rng.IntN(len(rows))]
				body := fmt.Sprintf(`{"inputs":[{"name":"input","datatype":"FP32","shape":[1,64],"data":[%s]}]}`, strings.Join(row[:64], ","))
				key := "error"
				if resp, err := http.Post(url, "application/json", bytes.NewReader([]byte(body))); err == nil {
					var a struct {
						Version string `json:"model_version"`
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					json.Unmarshal(b, &a)
					key = a.Version + " " + fmt.Sprint(resp.StatusCode)
				}
				tr.mu.Lock()
				tr.counts[key]++
				tr.mu.Unlock()
				time.Sleep(10 * time.Millisecond)
			}
		}()
	}
	return tr
}

func (tr *traffic) end() map[string]int {
	close(tr.stop)
	tr.wg.Wait()
	return tr.counts
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestServing runs examples/serving: version 1 serves, version 2 rolls
// out by canary under traffic with no failed request, and a broken
// version 3 is rolled back at its first step: the apply fails with the
// numbers, no request on the stable share fails, and the registry's
// history records it.
func TestServing(t *testing.T) {
	if testing.Short() {
		t.Skip("trains three digits models and serves them")
	}
	env := e2e.Torch(t)
	root := t.TempDir()
	dir := filepath.Join(root, "serving")
	e2e.CopyInto(t, "serving", dir)
	e2e.CopyInto(t, "quickstart", filepath.Join(root, "quickstart")) // the data
	f, err := os.Open(filepath.Join(root, "quickstart", "data", "digits.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	rows = rows[1:]
	listen := "-var=listen=" + freePort(t)
	e2e.RunEnv(t, dir, env, 0, "init")
	defer e2e.Run(t, dir, env, "destroy", "-auto-approve", listen)

	e2e.RunEnv(t, dir, env, 0, "apply", "-auto-approve", listen)
	url := strings.Trim(e2e.RunEnv(t, dir, env, 0, "output", "-raw", "url").Stdout, "\n") + "/v2/models/digits/infer"

	plan := e2e.RunEnv(t, dir, env, 2, "plan", "-detailed-exitcode", listen, "-var=lr=0.08").Stdout
	if !strings.Contains(plan, "deployment.digits will be updated in-place") {
		t.Fatalf("plan of a new version:\n%s", plan)
	}
	tr := startTraffic(t, url, rows)
	e2e.RunEnv(t, dir, env, 0, "apply", "-auto-approve", listen, "-var=lr=0.08")
	counts := tr.end()
	t.Logf("version 2 rolled out; answers by version and status: %v", counts)
	if counts["2 200"] == 0 || counts["1 200"] == 0 || len(counts) != 2 {
		t.Errorf("answers during the canary of version 2: %v; want only 200s, from versions 1 and 2", counts)
	}
	if v := e2e.RunEnv(t, dir, env, 0, "output", "serving_version").Stdout; strings.TrimSpace(v) != "2" {
		t.Errorf("serving_version %q after the rollout, want 2", v)
	}

	tr = startTraffic(t, url, rows)
	broken := e2e.RunEnv(t, dir, env, 1, "apply", "-auto-approve", listen, "-var=lr=0.08", "-var=fault=error")
	counts = tr.end()
	t.Logf("version 3 rolled back; answers by version and status: %v", counts)
	for _, want := range []string{"Rollout rolled back", "version 3 rolled back at canary 10%: error rate 100% > 1%", "Traffic is back on version 2"} {
		if !strings.Contains(broken.Stderr, want) {
			t.Errorf("the failed apply does not say %q:\n%s", want, broken.Stderr)
		}
	}
	for k, n := range counts {
		if k != "2 200" && !strings.HasPrefix(k, "3 ") {
			t.Errorf("%d requests answered %q: the stable share must not fail", n, k)
		}
	}
	if n := counts["3 500"]; n == 0 || n > 200 {
		t.Errorf("%d requests reached the broken version, want 1 to 200", n)
	}
	if v := e2e.RunEnv(t, dir, env, 0, "output", "serving_version").Stdout; strings.TrimSpace(v) != "2" {
		t.Errorf("serving_version %q after the rollback, want 2", v)
	}
	history := e2e.RunEnv(t, dir, env, 0, "models", "history", "digits").Stdout
	if !strings.Contains(history, "deployment.digits") || !strings.Contains(history, "version 3 rolled back") {
		t.Errorf("the registry's history lacks the rollback:\n%s", history)
	}
	// The next apply records the new model in the state and rolls out
	// nothing; then there is nothing to do.
	again := e2e.RunEnv(t, dir, env, 2, "plan", "-detailed-exitcode", listen, "-var=lr=0.08", "-var=fault=error")
	if !strings.Contains(again.Stdout, "keeps serving version 2 and rolls out nothing") || !strings.Contains(again.Stderr, "Version 3 was rolled back; still serving version 2") {
		t.Errorf("the plan after the rollback does not say that nothing rolls out:\n%s\n%s", again.Stdout, again.Stderr)
	}
	e2e.RunEnv(t, dir, env, 0, "apply", "-auto-approve", listen, "-var=lr=0.08", "-var=fault=error")
	e2e.RunEnv(t, dir, env, 0, "plan", "-detailed-exitcode", listen, "-var=lr=0.08", "-var=fault=error")
	show := e2e.RunEnv(t, dir, env, 0, "deployments", "show", "digits").Stdout
	if !regexp.MustCompile(`(?m)^v2 +100% +2/2 ready`).MatchString(show) || !strings.Contains(show, "input drift") {
		t.Errorf("deployments show:\n%s", show)
	}
	// The rollouts: version 1 served, 2 rolled out, 3 rolled back.
	for _, want := range []string{`(?m)^rollouts \(3;`, `(?m)\(unset\) -> 1 +serving version 1$`, `(?m)1 -> 2 +rolled out version 2 \(canary`,
		`(?m)stays at 2 +version 3 rolled back at canary 10%: error rate 100% > 1%`} {
		if !regexp.MustCompile(want).MatchString(show) {
			t.Errorf("deployments show does not match %s:\n%s", want, show)
		}
	}
}
