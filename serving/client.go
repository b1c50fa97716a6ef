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

func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	base := c.Base
	if base == "" {
		base = "http://" + c.Addr
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, r)
	if err != nil {
		return err
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 3 * time.Minute}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		if json.Unmarshal(b, &e) == nil && e.Error != "" {
			return fmt.Errorf("%s", e.Error)
		}
		return fmt.Errorf("%s %s: %s", method, path, resp.Status)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
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
