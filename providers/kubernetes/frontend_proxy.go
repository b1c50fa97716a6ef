package kubernetes

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
)

// FrontEndProxyCommand is the argument with which mltf-provider-kubernetes
// serves FrontEndProxyMain instead of the provider.
const FrontEndProxyCommand = "front-end-proxy"

// FrontEndProxyRequest is what mltf deployments asks of the front-end
// proxy on its standard input: whose front end, and how to reach its
// cluster.
type FrontEndProxyRequest struct {
	Access
	Address   string // the deployment's address, deployment.NAME
	Workspace string
	Namespace string
}

// FrontEndProxyAnswer is the proxy's one line on its standard output: the
// loopback address at which it serves the front end's admin API, or why it
// cannot.
type FrontEndProxyAnswer struct {
	Addr  string `json:",omitempty"`
	Error string `json:",omitempty"`
}

// FrontEndProxyMain reaches the front end of the deployment that in (one
// JSON FrontEndProxyRequest) names, as DeploymentFrontEnd does, serves its
// admin API on a loopback port that it writes to out (a JSON
// FrontEndProxyAnswer line), and returns when in ends: when mltf, which
// holds its other end, is done. This keeps client-go out of the mltf
// command, which reads deployments of every provider through
// serving.Client.
func FrontEndProxyMain(in io.Reader, out io.Writer) int {
	answer := func(a FrontEndProxyAnswer) int {
		b, _ := json.Marshal(a)
		fmt.Fprintf(out, "%s\n", b)
		if a.Error != "" {
			return 1
		}
		return 0
	}
	r := bufio.NewReader(in)
	line, err := r.ReadBytes('\n')
	var req FrontEndProxyRequest
	if err != nil && len(line) == 0 || json.Unmarshal(line, &req) != nil {
		return answer(FrontEndProxyAnswer{Error: "the front-end proxy reads one JSON request line; it is started by mltf deployments"})
	}
	c, err := DeploymentFrontEnd(context.Background(), req.Access, req.Address, req.Workspace, req.Namespace)
	if err != nil {
		return answer(FrontEndProxyAnswer{Error: err.Error()})
	}
	base, err := url.Parse(c.Base)
	if err != nil {
		return answer(FrontEndProxyAnswer{Error: err.Error()})
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return answer(FrontEndProxyAnswer{Error: err.Error()})
	}
	proxy := &httputil.ReverseProxy{
		Rewrite:   func(p *httputil.ProxyRequest) { p.SetURL(base) },
		Transport: c.HTTP.Transport,
	}
	go http.Serve(l, proxy)
	answer(FrontEndProxyAnswer{Addr: l.Addr().String()})
	io.Copy(io.Discard, r)
	return 0
}
