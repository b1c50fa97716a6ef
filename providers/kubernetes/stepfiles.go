package kubernetes

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/remotecommand"

	"github.com/mltf/mltf/kinds/training"
	"github.com/mltf/mltf/providers/artifactstore"
	"github.com/mltf/mltf/providers/runflow"
)

// A pipeline step reads its inputs and writes its outputs as files, but a
// pod sees neither this machine's files nor a file:// artifact store. So
// mltf copies them through the API server (pods/exec, as kubectl cp does):
// the inputs that are files of this machine into each pod before the
// step's process starts, and the declared outputs out of node 0's pod once
// every rank exited 0, into the artifact store under runs/RUN_ID/, where
// the pipeline takes them from as from a local run's artifacts. The
// launcher (launch.sh) waits for each copy, at most copyWait.
const (
	// outputsEnv lists a step's declared outputs, one a line, relative to
	// MLTF_OUTPUT_DIR; the pipeline kind sets it.
	outputsEnv = "MLTF_OUTPUTS"
	// stagedEnv tells the launcher to wait for the inputs.
	stagedEnv = "MLTF_STAGED_INPUTS"
	inputsDir = "/mltf/inputs"
	// outputsReadyLine is what node 0's launcher prints once the outputs
	// are there to be copied; it then waits for outputsCopied.
	outputsReadyLine = "=== mltf: outputs ready to be copied ==="
	outputsCopied    = outputDir + "/.outputs-copied"
	artifactDir      = outputDir + "/artifacts"
	// copyWait is how long a pod waits for mltf to copy its inputs in or
	// its outputs out: an apply killed meanwhile has that long to come
	// back and re-attach.
	copyWait = 10 * time.Minute
)

// stepOutputs are the declared outputs of a pipeline step's run; nil for a
// training.
func stepOutputs(c *trainingConfig) []string {
	var out []string
	for _, f := range strings.Split(c.Env[outputsEnv], "\n") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// stagedInput is a step's input that is a file or directory of this
// machine: the pod reads it at InPod, where mltf copies it.
type stagedInput struct {
	Env, Local, InPod string
}

// stagedInputs are the inputs of a step (MLTF_INPUT_<NAME>) whose values
// are absolute paths of this machine, by variable name.
func stagedInputs(c *trainingConfig) []stagedInput {
	var out []stagedInput
	for k, v := range c.Env {
		if strings.HasPrefix(k, "MLTF_INPUT_") && filepath.IsAbs(v) {
			out = append(out, stagedInput{Env: k, Local: v, InPod: inputsDir + "/" + k + "/" + filepath.Base(v)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Env < out[j].Env })
	return out
}

// exec runs cmd in the training container of pod, with stdin and stdout
// as given (nil: none); stderr goes into the error.
func (c *conn) exec(ctx context.Context, ns, pod string, cmd []string, stdin io.Reader, stdout io.Writer) error {
	req := c.typed.CoreV1().RESTClient().Post().Namespace(ns).Resource("pods").Name(pod).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{Container: "training", Command: cmd, Stdin: stdin != nil, Stdout: stdout != nil, Stderr: true},
			scheme.ParameterCodec)
	spdy, err := remotecommand.NewSPDYExecutor(c.rest, "POST", req.URL())
	if err != nil {
		return err
	}
	ws, err := remotecommand.NewWebSocketExecutor(c.rest, "GET", req.URL().String())
	if err != nil {
		return err
	}
	ex, err := remotecommand.NewFallbackExecutor(ws, spdy, func(err error) bool {
		return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
	})
	if err != nil {
		return err
	}
	var stderr bytes.Buffer
	err = ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdin: stdin, Stdout: stdout, Stderr: &stderr})
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return fmt.Errorf("%s: %s", explain(err), msg)
		}
		return errors.New(explain(err))
	}
	return nil
}

// stageInputs copies the step's local inputs into pod and marks them
// ready, which lets the launcher start the step.
func (s *gang) stageInputs(ctx context.Context, pod string, inputs []stagedInput) error {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeInputs(pw, inputs)) }()
	err := s.conn.exec(ctx, s.loc.Namespace, pod, []string{"/bin/sh", "-c", `mkdir -p "$1" && tar -xf - -C "$1" && touch "$1/.ready"`, "stage", inputsDir}, pr, nil)
	pr.Close()
	if err != nil {
		return fmt.Errorf("cannot copy the step's inputs into pod %s: %w", pod, err)
	}
	return nil
}

// writeInputs writes the inputs as a tar stream: each under its variable's
// name, a directory with everything below it.
func writeInputs(w io.Writer, inputs []stagedInput) error {
	tw := tar.NewWriter(w)
	for _, in := range inputs {
		root := in.Local
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			name := path.Join(in.Env, filepath.Base(root), filepath.ToSlash(rel))
			info, err := os.Stat(p) // follows links: what the step would read
			if err != nil {
				return err
			}
			if !info.IsDir() && !info.Mode().IsRegular() {
				return nil
			}
			h, err := tar.FileInfoHeader(info, "")
			if err != nil {
				return err
			}
			h.Name = name
			if err := tw.WriteHeader(h); err != nil || info.IsDir() {
				return err
			}
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = io.Copy(tw, f)
			return err
		})
		if err != nil {
			return fmt.Errorf("input %s: %w", in.Env, err)
		}
	}
	return tw.Close()
}

// copyOutputs copies the declared outputs out of node 0's pod into the
// artifact store under runs/RUN_ID/, then lets the pod end.
func (s *gang) copyOutputs(ctx context.Context, pod string, outputs []string) error {
	b, base, err := artifactstore.Open(ctx, s.spec.ArtifactsURL, s.p.flow.Settings().WorkDir, true)
	if err != nil {
		return err
	}
	defer b.Close()
	prefix := "runs/" + s.spec.RunID + "/"
	declared := map[string]bool{}
	for _, f := range outputs {
		declared[f] = true
	}
	pr, pw := io.Pipe()
	type result struct {
		files int
		bytes int64
		err   error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		tr := tar.NewReader(pr)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				r.err = err
				break
			}
			if h.Typeflag != tar.TypeReg || !declared[path.Clean(h.Name)] {
				continue // only the declared outputs, whatever the pod sends
			}
			w, err := b.NewWriter(ctx, prefix+path.Clean(h.Name), nil)
			if err != nil {
				r.err = err
				break
			}
			n, err := io.Copy(w, tr)
			if cerr := w.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				r.err = err
				break
			}
			r.files++
			r.bytes += n
		}
		pr.CloseWithError(r.err)
		done <- r
	}()
	cmd := append([]string{"tar", "-cf", "-", "-C", artifactDir, "--"}, outputs...)
	err = s.conn.exec(ctx, s.loc.Namespace, pod, cmd, nil, pw)
	pw.CloseWithError(err)
	r := <-done
	if err == nil {
		err = r.err
	}
	if err == nil && r.files != len(outputs) {
		err = fmt.Errorf("the pod gave %d of the %d outputs", r.files, len(outputs))
	}
	if err != nil {
		return fmt.Errorf("cannot copy the step's outputs out of pod %s: %w", pod, err)
	}
	if err := s.conn.exec(ctx, s.loc.Namespace, pod, []string{"touch", outputsCopied}, nil, nil); err != nil {
		return fmt.Errorf("copied the step's outputs, but cannot tell pod %s: %w", pod, err)
	}
	s.facts.ArtifactURI = base + "/" + strings.TrimSuffix(prefix, "/")
	s.event(fmt.Sprintf("copied %d %s (%d bytes) out of pod %s into the artifact store", r.files, plural(r.files, "output", "outputs"), r.bytes, pod))
	return nil
}

// copiedOutputs returns where a run's outputs are in the artifact store
// when every one of them is there (an earlier apply copied them).
func copiedOutputs(ctx context.Context, artifactsURL, workDir, runID string, outputs []string) (string, bool) {
	b, base, err := artifactstore.Open(ctx, artifactsURL, workDir, false)
	if err != nil {
		return "", false
	}
	defer b.Close()
	for _, f := range outputs {
		if ok, err := b.Exists(ctx, "runs/"+runID+"/"+f); err != nil || !ok {
			return "", false
		}
	}
	return base + "/runs/" + runID, true
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// stage copies a step's local inputs into each of the attempt's pods
// whose container started, once per pod.
func (s *gang) stage(ctx context.Context, pods []*corev1.Pod) (runflow.Outcome, bool) {
	inputs := stagedInputs(s.spec.Config)
	if len(inputs) == 0 {
		return runflow.Outcome{}, false
	}
	if s.staged == nil {
		s.staged = map[string]bool{}
	}
	for _, pod := range pods {
		if s.staged[pod.Name] || !containerRunning(pod) {
			continue
		}
		s.staged[pod.Name] = true
		if err := s.stageInputs(ctx, pod.Name, inputs); err != nil {
			if ctx.Err() != nil {
				return runflow.Outcome{}, false
			}
			s.removeJob(ctx)
			return s.end(ctx, training.StatusFailed, err.Error())
		}
		s.event(fmt.Sprintf("copied %d %s into pod %s", len(inputs), plural(len(inputs), "input", "inputs"), pod.Name))
	}
	return runflow.Outcome{}, false
}

// outputsReady copies a step's outputs once node 0's launcher says they
// are there.
func (s *gang) outputsReady(ctx context.Context, l logLine) (runflow.Outcome, bool) {
	outputs := stepOutputs(s.spec.Config)
	if l.Node != 0 || s.copied || len(outputs) == 0 || strings.TrimSpace(l.Text) != outputsReadyLine {
		return runflow.Outcome{}, false
	}
	if err := s.copyOutputs(ctx, l.Pod, outputs); err != nil {
		if ctx.Err() != nil {
			return runflow.Outcome{}, false
		}
		s.removeJob(ctx)
		return s.end(ctx, training.StatusFailed, err.Error())
	}
	s.copied = true
	return runflow.Outcome{}, false
}

// endWithOutputs ends a run whose Job completed: a step's outputs must be
// in the artifact store by then, copied by this apply or an earlier one.
func (s *gang) endWithOutputs(ctx context.Context) (runflow.Outcome, bool) {
	outputs := stepOutputs(s.spec.Config)
	if len(outputs) > 0 && !s.copied {
		uri, ok := copiedOutputs(ctx, s.spec.ArtifactsURL, s.p.flow.Settings().WorkDir, s.spec.RunID, outputs)
		if !ok {
			return s.end(ctx, training.StatusFailed, fmt.Sprintf("the step's pod ended before mltf copied its outputs out of it (no mltf apply followed the run within %s of its end); the next mltf apply runs the step again", copyWait))
		}
		s.facts.ArtifactURI = uri
	}
	return s.end(ctx, training.StatusFinished, "")
}

// removeJob deletes the attempt's Job, so that pods waiting for a copy
// that failed do not hold their node.
func (s *gang) removeJob(ctx context.Context) {
	if err := s.conn.remove(context.WithoutCancel(ctx), gvrJob, s.loc.Namespace, s.spec.jobName()); err != nil {
		s.w.Warn("Cannot delete the Job", explain(err))
	}
}

func containerRunning(pod *corev1.Pod) bool {
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.State.Running != nil {
			return true
		}
	}
	return false
}
