package kubernetes

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/mltf/mltf/internal/e2e"
)

// realServingConfig is examples/serving with its deployment on the real
// node: the model trains locally (PyTorch at /usr/bin/python3), and the
// front end and the workers run as pods. %s: kubeconfig, namespace, mltf
// image, worker image.
const realServingConfig = `
provider "kubernetes" {
  kubeconfig = %q
  namespace  = %q
  mltf_image = %q
}

variable "lr" {
  type    = number
  default = 0.05
}

cluster "dev" {
  pool "cpu" { slots = 1 }
}

cluster "real" {
  provider  = kubernetes
  namespace = %[2]q
  pool "cpu" {
    node_selector = { "mltf.dev/test-pool" = "real" }
    tolerations   = [{ key = "mltf.dev/real-node", operator = "Exists", effect = "NoSchedule" }]
  }
}

experiment "digits" {}

training "mlp" {
  experiment = experiment.digits
  pool       = cluster.dev.pool.cpu
  code       = "./src"
  command    = ["/usr/bin/python3", "train.py"]
  data       = { train = "./data/digits.csv" }
  params     = { lr = var.lr, epochs = 4 }
}

model "digits" {
  from    = training.mlp
  aliases = ["production"]
  gate {
    condition = self.candidate.metrics.accuracy >= 0.8
    message   = "accuracy below the bar"
  }
}

deployment "digits" {
  model    = model.digits
  alias    = "production"
  pool     = cluster.real.pool.cpu
  image    = %[4]q
  replicas = 2
  strategy "canary" {
    steps    = [50, 100]
    interval = "2s"
    analysis {
      max_error_rate = 0.01
    }
  }
}

output "url" { value = deployment.digits.url }
`

// mltfImage builds a static mltf, puts it in an image of its own
// (/usr/local/bin/mltf) with scripts/testcluster/image, and loads it into
// the real node's containerd; it returns the image's name.
func mltfImage(t *testing.T) string {
	t.Helper()
	tmp := t.TempDir()
	root := filepath.Join(tmp, "root")
	bin := filepath.Join(root, "usr", "local", "bin", "mltf")
	run := func(dir string, env []string, name string, args ...string) {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
	}
	static := []string{"CGO_ENABLED=0"}
	run("../..", static, "go", "build", "-trimpath", "-o", bin, "./cmd/mltf")
	run("../../scripts/testcluster/image", append(static, "GOFLAGS=-mod=mod", "GOWORK=off"), "go", "build", "-trimpath", "-o", filepath.Join(tmp, "image"), ".")
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	ref := "mltf.local/mltf:" + hex.EncodeToString(sum[:8])
	cmd := exec.Command(filepath.Join(tmp, "image"), "-root", root, "-ref", ref, "-o", filepath.Join(tmp, "mltf.tar"))
	cmd.Stdin = strings.NewReader("/usr/local/bin/mltf\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("image: %v\n%s", err, out)
	}
	sock := filepath.Join(os.Getenv("MLTF_TESTCLUSTER_DIR"), "node", "containerd", "containerd.sock")
	run(tmp, nil, "ctr", "-a", sock, "-n", "k8s.io", "images", "import", "--snapshotter", "overlayfs", filepath.Join(tmp, "mltf.tar"))
	return ref
}

// TestRealPodsDeployment applies examples/serving's configuration with
// the deployment on the real node: version 1 serves from two worker pods
// behind the front end's pod, requests through the front end's Service
// are answered and reach both pods, mltf deployments list, show and plot
// reach the front end through the API server, a second version rolls out
// by canary (the kind driving the front end through the API server), the
// first version's objects go, and destroy leaves nothing.
func TestRealPodsDeployment(t *testing.T) {
	_, workerImage := realNode(t)
	e2e.Torch(t)
	cfg := liveCluster(t)
	kube := kubernetes.NewForConfigOrDie(cfg)
	ns := "mltf-it-serve-" + strconv.FormatInt(time.Now().UnixNano()%(36*36*36), 36)
	start := time.Now()
	frontendImage := mltfImage(t)
	t.Logf("MEASURE static mltf built and its image imported in %s", time.Since(start).Round(time.Second))

	dir := t.TempDir()
	e2e.CopyInto(t, "../../examples/serving/src", filepath.Join(dir, "src"))
	data, err := os.ReadFile("../../examples/quickstart/data/digits.csv")
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "data"), 0o755)
	os.WriteFile(filepath.Join(dir, "data", "digits.csv"), data, 0o644)
	os.WriteFile(filepath.Join(dir, "main.mltf.hcl"), []byte(fmt.Sprintf(realServingConfig, os.Getenv("KUBECONFIG"), ns, frontendImage, workerImage)), 0o644)
	t.Cleanup(func() {
		kube.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{})
	})

	start = time.Now()
	out := runMLTF(t, dir, 0, 10*time.Minute, "apply", "-auto-approve")
	t.Logf("MEASURE apply: train version 1 locally, serve it on the real node: %s", time.Since(start).Round(time.Second))
	if !strings.Contains(out.Stdout, "url = \"http://mltf-digits."+ns+".svc:8080\"") {
		t.Errorf("apply output lacks the Service's url:\n%s", out.Stdout)
	}
	ctx := context.Background()
	if _, err := kube.AppsV1().Deployments(ns).Get(ctx, "mltf-digits-v1", metav1.GetOptions{}); err != nil {
		t.Fatalf("version 1's Deployment: %v\n%s", err, out.Stdout)
	}
	row := digitsRow(t, data)
	// call sends one request through the front end's Service and returns
	// the version that answered.
	call := func() (string, error) {
		body, _ := json.Marshal(map[string]any{"inputs": []map[string]any{{"name": "input", "shape": []int{1, len(row)}, "datatype": "FP32", "data": row}}})
		raw, err := kube.CoreV1().RESTClient().Post().Namespace(ns).Resource("services").Name("mltf-digits:http").
			SubResource("proxy").Suffix("v2/models/digits/infer").Body(body).DoRaw(ctx)
		if err != nil {
			return "", fmt.Errorf("infer through the Service: %v: %s", err, raw)
		}
		var resp struct {
			ModelVersion string `json:"model_version"`
			Outputs      []struct {
				Shape []int     `json:"shape"`
				Data  []float64 `json:"data"`
			} `json:"outputs"`
		}
		if err := json.Unmarshal(raw, &resp); err != nil || len(resp.Outputs) == 0 || len(resp.Outputs[0].Data) != 10 {
			return "", fmt.Errorf("infer answered %s (%v)", raw, err)
		}
		return resp.ModelVersion, nil
	}
	infer := func(want string) {
		t.Helper()
		start := time.Now()
		got, err := call()
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("answered by version %q, want %q", got, want)
		}
		t.Logf("MEASURE one request through the API server's proxy, the front end's pod and a worker pod: %s", time.Since(start).Round(time.Millisecond))
	}
	infer("1")
	many := func(n int) {
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := g; i < n; i += 4 {
					if _, err := call(); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
	}
	many(40)
	// The front end feeds every pod of the version (it resolves the
	// headless Service), and mltf deployments show says so.
	pods, err := kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "mltf.dev/model-version=1"})
	if err != nil || len(pods.Items) != 2 {
		t.Fatalf("version 1's pods: %v (%v)", pods, err)
	}
	show := runMLTF(t, dir, 0, time.Minute, "deployments", "show", "digits").Stdout
	t.Logf("mltf deployments show digits:\n%s", show)
	if !regexp.MustCompile(`(?m)^v1 +100% +2/2 ready +4[0-9] +0 \(0\.00%\) +[0-9.]+ms +[0-9.]+ms +[0-9.]+ms`).MatchString(show) {
		t.Errorf("deployments show lacks version 1 with its 2 workers, 41 requests and their latency:\n%s", show)
	}
	for _, p := range pods.Items {
		if !regexp.MustCompile(`(?m)^v1 +` + regexp.QuoteMeta(p.Status.PodIP) + `:9000 +true +[1-9][0-9]* `).MatchString(show) {
			t.Errorf("pod %s (%s) was sent no batch:\n%s", p.Name, p.Status.PodIP, show)
		}
	}
	list := runMLTF(t, dir, 0, time.Minute, "deployments", "list").Stdout
	if !regexp.MustCompile(`(?m)^deployment\.digits +digits +v1 +http://mltf-digits\.` + ns + `\.svc:8080 +v1 100% +complete`).MatchString(list) {
		t.Errorf("deployments list:\n%s", list)
	}

	start = time.Now()
	out = runMLTF(t, dir, 0, 10*time.Minute, "apply", "-auto-approve", "-var", "lr=0.08")
	t.Logf("MEASURE apply: train version 2, canary 50%% -> 100%% on the real node: %s", time.Since(start).Round(time.Second))
	if !strings.Contains(out.Stdout, "1 -> 2") && !strings.Contains(out.Stdout, "version 1 -> 2") {
		t.Errorf("apply shows no rollout from 1 to 2:\n%s", out.Stdout)
	}
	if _, err := kube.AppsV1().Deployments(ns).Get(ctx, "mltf-digits-v2", metav1.GetOptions{}); err != nil {
		t.Fatalf("version 2's Deployment: %v", err)
	}
	s := &servingSpec{Address: "deployment.digits", Namespace: ns}
	h := &harness{t: t, cfg: cfg, kube: kube, ns: ns}
	if left := h.servingObjects(s.selector("", 1)); len(left) > 0 {
		t.Errorf("version 1 still has %v after the rollout", left)
	}
	spec := frontendSpecOf(t, h, "mltf-digits-frontend")
	if len(spec.Versions) != 1 || spec.Versions[0].Version != 2 || spec.Versions[0].Weight == 0 {
		t.Errorf("settled versions %+v, want version 2 alone", spec.Versions)
	}
	infer("2")
	many(20)
	show = runMLTF(t, dir, 0, time.Minute, "deployments", "show", "digits").Stdout
	t.Logf("mltf deployments show digits:\n%s", show)
	for _, want := range []string{`(?m)^v2 +100% +2/2 ready +2[0-9] +0 \(0\.00%\)`, `(?m)^input drift \(PSI against the training data, 2[0-9] rows`, `(?m)^p[0-9]+ +[0-9.]+$`,
		`(?m)1 -> 2 +rolled out version 2 \(canary`} {
		if !regexp.MustCompile(want).MatchString(show) {
			t.Errorf("deployments show does not match %s:\n%s", want, show)
		}
	}
	png := filepath.Join(dir, "latency.png")
	plot := runMLTF(t, dir, 0, time.Minute, "deployments", "plot", "digits", "-o", png)
	f, err := os.Open(png)
	if err != nil {
		t.Fatalf("deployments plot: %v\n%s%s", err, plot.Stdout, plot.Stderr)
	}
	pic, _, err := image.DecodeConfig(f)
	f.Close()
	if err != nil || pic.Width < 400 {
		t.Errorf("deployments plot wrote %+v (%v)", pic, err)
	}
	if keep := os.Getenv("MLTF_TEST_KEEP_DIR"); keep != "" {
		b, _ := os.ReadFile(png)
		os.WriteFile(filepath.Join(keep, "realpods-deployment-latency.png"), b, 0o644)
	}

	out = runMLTF(t, dir, 0, 5*time.Minute, "destroy", "-auto-approve")
	if left := h.servingObjects(s.selector("", 0)); len(left) > 0 {
		t.Errorf("destroy left %v\n%s", left, out.Stdout)
	}
}

// digitsRow is the first row of the digits CSV without its label.
func digitsRow(t *testing.T, data []byte) []float64 {
	rows, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("digits.csv: %v", err)
	}
	var out []float64
	for _, v := range rows[1][:len(rows[1])-1] {
		f, _ := strconv.ParseFloat(v, 64)
		out = append(out, f)
	}
	return out
}
