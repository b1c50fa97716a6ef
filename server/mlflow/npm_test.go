package mlflow_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/mltf/mltf/server/mlflow"
	"github.com/mltf/mltf/state/tracking"
)

// FileInfo is an entry of an artifact listing.
type FileInfo = mlflow.FileInfo

// npmClient installs the npm mlflow client of testdata/npm (its lock
// file pins it) once per lock file, in the user's cache directory, and
// returns the directory holding client.js and node_modules. Outside CI a
// machine without Node or npm skips the test, saying so; in CI it fails.
func npmClient(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed; scripts/setup.sh installs it", tool)
			}
			t.Skipf("%s is not installed (scripts/setup.sh installs Node and npm): the npm mlflow client cannot run", tool)
		}
	}
	lock, err := os.ReadFile("testdata/npm/package-lock.json")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(lock)
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "mltf", "npm-mlflow-"+hex.EncodeToString(sum[:8]))
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "mlflow", "package.json")); err != nil {
		tmp := dir + ".tmp"
		os.RemoveAll(tmp)
		if err := os.MkdirAll(tmp, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"package.json", "package-lock.json"} {
			b, _ := os.ReadFile(filepath.Join("testdata/npm", f))
			os.WriteFile(filepath.Join(tmp, f), b, 0o644)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = tmp
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci of the mlflow client: %v\n%s", err, out)
		}
		os.RemoveAll(dir)
		if err := os.Rename(tmp, dir); err != nil {
			t.Fatal(err)
		}
	}
	script, _ := os.ReadFile("testdata/npm/client.js")
	os.WriteFile(filepath.Join(dir, "client.js"), script, 0o644)
	return dir
}

// TestNpmClient runs the npm mlflow package, a third-party MLflow client,
// against the server and checks what it logged, through the client and
// in the tracking store.
func TestNpmClient(t *testing.T) {
	dir := npmClient(t)
	for _, db := range stores {
		t.Run(db.name, func(t *testing.T) {
			url := db.url(t)
			base, token := newServer(t, url)
			out := filepath.Join(t.TempDir(), "out.json")
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "node", "client.js", base, out)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "MLTF_TOKEN="+token)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("node client.js: %v\n%s", err, b)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				Experiment  struct{ Name string }
				Experiments []struct{ Name string }
				Run         struct {
					Info struct {
						RunID  string `json:"run_id"`
						Status string
						UserID string `json:"user_id"`
					}
					Data struct {
						Metrics []struct {
							Key   string
							Value float64
							Step  int64
						}
						Params []struct{ Key, Value string }
					}
				}
				History struct {
					Metrics []struct{ Step int64 }
				}
				Found        struct{ Runs []any }
				None         map[string]any
				ParamChanged bool
				Artifacts    struct {
					RootURI string `json:"root_uri"`
					Files   []FileInfo
				}
				ModelFiles struct{ Files []FileInfo }
				DeletedRun struct {
					Info struct {
						LifecycleStage string `json:"lifecycle_stage"`
					}
				}
				Hidden, Restored                      map[string]any
				DeletedExperiment, RestoredExperiment struct {
					LifecycleStage string `json:"lifecycle_stage"`
				}
			}
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("%v\n%s", err, b)
			}
			if got.Experiment.Name != "npm-client" || len(got.Experiments) != 1 {
				t.Errorf("experiment %q, %d experiments listed", got.Experiment.Name, len(got.Experiments))
			}
			if got.Run.Info.Status != "FINISHED" || got.Run.Info.UserID != "node" || len(got.Run.Data.Metrics) != 3 || len(got.Run.Data.Params) != 2 {
				t.Errorf("the run as the client reads it: %+v", got.Run)
			}
			if len(got.History.Metrics) != 5 || len(got.Found.Runs) != 1 || len(got.None) != 0 || !got.ParamChanged {
				t.Errorf("history %d points, search found %d and %d, param change refused: %v", len(got.History.Metrics), len(got.Found.Runs), len(got.None), got.ParamChanged)
			}

			wantFiles := []FileInfo{{Path: "model/weights.txt", FileSize: 12}}
			if got.Artifacts.RootURI != "mlflow-artifacts:/runs/"+got.Run.Info.RunID || len(got.Artifacts.Files) != 1 || got.Artifacts.Files[0].Path != "model" ||
				fmt.Sprint(got.ModelFiles.Files) != fmt.Sprint(wantFiles) {
				t.Errorf("artifacts as the client lists them: %+v, model/: %+v", got.Artifacts, got.ModelFiles)
			}
			if got.DeletedRun.Info.LifecycleStage != "deleted" || got.Hidden["runs"] != nil || len(got.Restored["runs"].([]any)) != 1 ||
				got.DeletedExperiment.LifecycleStage != "deleted" || got.RestoredExperiment.LifecycleStage != "active" {
				t.Errorf("delete and restore as the client sees them: run %+v, search while deleted %v, after restore %v, experiment %+v then %+v",
					got.DeletedRun, got.Hidden, got.Restored, got.DeletedExperiment, got.RestoredExperiment)
			}

			// What the client logged is in the tracking store, as mltf's
			// own runs are.
			ts, err := tracking.Open(context.Background(), url, "")
			if err != nil {
				t.Fatal(err)
			}
			defer ts.Close()
			r, err := ts.GetRun(context.Background(), got.Run.Info.RunID)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != tracking.StatusFinished || r.Metrics["accuracy"] != 0.91 || r.Metrics["loss"] != 0.2 || string(r.Params) != `{"lr":"0.01","optimizer":"adam"}` {
				t.Errorf("the run in the tracking store: %+v params %s", r, r.Params)
			}
		})
	}
}
