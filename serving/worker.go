package serving

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// workerClient speaks the worker protocol (docs/deployments.md) to one
// worker: one batch at a time on one kept-alive connection.
type workerClient struct {
	addr  string
	http  *http.Client
	ready atomic.Bool
	// ctx ends when the worker is no longer one of its version's (its
	// address no longer resolves) or the version stops.
	ctx     context.Context
	cancel  context.CancelFunc
	batches atomic.Int64 // sent to it
	rows    atomic.Int64
}

func newWorkerClient(parent context.Context, addr string) *workerClient {
	ctx, cancel := context.WithCancel(parent)
	return &workerClient{addr: addr, ctx: ctx, cancel: cancel, http: &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: 2, DisableCompression: true, IdleConnTimeout: 90 * time.Second,
	}}}
}

// errTransport marks a failure to reach the worker, as opposed to an
// answer of the worker: the batch may be retried elsewhere.
var errTransport = errors.New("worker unreachable")

// workerError is an answer of the worker other than 200.
type workerError struct {
	status int
	msg    string
}

func (e *workerError) Error() string { return fmt.Sprintf("worker answered %d: %s", e.status, e.msg) }

// health asks whether the worker has loaded its model.
func (w *workerClient) health(ctx context.Context) bool {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+w.addr+"/v1/health/ready", nil)
	resp, err := w.http.Do(req)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Manifest is a worker's metadata: serving.json of the model it serves.
type Manifest struct {
	Format  string       `json:"format"`
	File    string       `json:"file"`
	Inputs  []TensorSpec `json:"inputs"`
	Outputs []TensorSpec `json:"outputs"`
	Columns []string     `json:"columns,omitempty"`
}

// TensorSpec names a tensor with its datatype and shape (-1: any size).
type TensorSpec struct {
	Name     string  `json:"name"`
	Datatype string  `json:"datatype"`
	Shape    []int64 `json:"shape"`
}

// Width is the number of columns of an input row.
func (m *Manifest) Width() int {
	if len(m.Inputs) == 0 || len(m.Inputs[0].Shape) == 0 {
		return 0
	}
	return int(m.Inputs[0].Shape[len(m.Inputs[0].Shape)-1])
}

func (w *workerClient) metadata(ctx context.Context) (*Manifest, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+w.addr+"/v1/metadata", nil)
	resp, err := w.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return nil, &workerError{resp.StatusCode, strings.TrimSpace(string(b))}
	}
	var m Manifest
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		return nil, fmt.Errorf("metadata of worker %s: %w", w.addr, err)
	}
	if m.Width() <= 0 {
		return nil, fmt.Errorf("metadata of worker %s gives no input width", w.addr)
	}
	return &m, nil
}

// infer sends rows (row-major, cols wide), the rows of requests inference
// requests, and returns the outputs and their shape.
func (w *workerClient) infer(ctx context.Context, rows []float32, cols, requests int) ([]float32, []int, error) {
	body := make([]byte, 4*len(rows))
	for i, v := range rows {
		binary.LittleEndian.PutUint32(body[4*i:], math.Float32bits(v))
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+w.addr+"/v1/infer", bytes.NewReader(body))
	req.Header.Set("X-Shape", strconv.Itoa(len(rows)/cols)+","+strconv.Itoa(cols))
	req.Header.Set("X-Requests", strconv.Itoa(requests))
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := w.http.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", errTransport, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", errTransport, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, &workerError{resp.StatusCode, strings.TrimSpace(string(b))}
	}
	var shape []int
	for _, f := range strings.Split(resp.Header.Get("X-Shape"), ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, nil, &workerError{http.StatusBadGateway, "bad X-Shape " + resp.Header.Get("X-Shape")}
		}
		shape = append(shape, n)
	}
	size := 1
	for _, n := range shape {
		size *= n
	}
	if len(shape) == 0 || size*4 != len(b) {
		return nil, nil, &workerError{http.StatusBadGateway, fmt.Sprintf("X-Shape %v does not match %d bytes", shape, len(b))}
	}
	out := make([]float32, size)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out, shape, nil
}
