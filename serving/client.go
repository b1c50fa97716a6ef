package serving

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Client calls a front end's admin API at Addr (host:port), or at Base
// when set: a URL prefix such as the API server's proxy of a pod,
// https://API/api/v1/namespaces/NS/pods/POD:9001/proxy, with HTTP a
// client that authenticates to it.
type Client struct {
	Addr string
	Base string
	HTTP *http.Client
}

// send makes one request and returns its answer's body, or the error it
// says.
func (c *Client) send(ctx context.Context, method, path string, body any) ([]byte, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(b)
	}
	base := c.Base
	if base == "" {
		base = "http://" + c.Addr
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, r)
	if err != nil {
		return nil, err
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 3 * time.Minute}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		if json.Unmarshal(b, &e) == nil && e.Error != "" {
			return nil, fmt.Errorf("%s", e.Error)
		}
		return nil, fmt.Errorf("%s %s: %s", method, path, resp.Status)
	}
	return b, nil
}

func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	b, err := c.send(ctx, method, path, body)
	if err != nil || out == nil {
		return err
	}
	return json.Unmarshal(b, out)
}

// Timeline reads the front end's timeline (see TimelineFile).
func (c *Client) Timeline(ctx context.Context) ([]TimelinePoint, error) {
	b, err := c.send(ctx, http.MethodGet, "/admin/timeline", nil)
	if err != nil {
		return nil, err
	}
	return ReadTimeline(bytes.NewReader(b))
}

// Stats reads the front end's counts.
func (c *Client) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	err := c.do(ctx, http.MethodGet, "/admin/stats", nil, &st)
	return st, err
}

// Spec reads what the front end serves.
func (c *Client) Spec(ctx context.Context) (Spec, error) {
	var s Spec
	err := c.do(ctx, http.MethodGet, "/admin/spec", nil, &s)
	return s, err
}

// Apply makes versions what the front end serves; note goes to its
// timeline.
func (c *Client) Apply(ctx context.Context, versions []Version, note string) (Stats, error) {
	var st Stats
	err := c.do(ctx, http.MethodPut, "/admin/versions", applyRequest{Versions: versions, Note: note}, &st)
	return st, err
}

// SetBaseline makes b what input drift is measured against (nil: none),
// counting from zero; note goes to the timeline.
func (c *Client) SetBaseline(ctx context.Context, b *Baseline, note string) error {
	return c.do(ctx, http.MethodPut, "/admin/baseline", baselineRequest{Baseline: b, Note: note}, nil)
}

// Event writes note to the timeline.
func (c *Client) Event(ctx context.Context, note string) error {
	return c.do(ctx, http.MethodPost, "/admin/event", applyRequest{Note: note}, nil)
}

// Stop stops the front end and its workers.
func (c *Client) Stop(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/admin/stop", nil, nil)
}

// WaitReady waits until version num has ready workers (all it should
// have when all is set: see VersionStats.AllReady).
func (c *Client) WaitReady(ctx context.Context, num int64, all bool) (VersionStats, error) {
	for {
		st, err := c.Stats(ctx)
		if err == nil {
			for _, v := range st.Versions {
				if v.Version == num && v.Ready && (!all || v.AllReady()) {
					return v, nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return VersionStats{}, fmt.Errorf("version %d did not become ready: %w", num, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
