package plugin

import "github.com/mltf/mltf/providers"

// Hooks for the tests in package plugin_test.

// ServeVersion serves p speaking another protocol version.
var ServeVersion = serve

// Pid is the plugin process's id.
func (p *GRPCProvider) Pid() int {
	if rc := p.pc.ReattachConfig(); rc != nil {
		return rc.Pid
	}
	return 0
}

// ServeWithoutCalls serves p as a plugin built before the Calls stream.
func ServeWithoutCalls(p providers.Interface) {
	serveWithout(p, func(s *server) { s.withoutCalls = true })
}

// serveWithout serves p with what hide hides from GetSchema.
func serveWithout(p providers.Interface, hide func(*server)) {
	s := newServer(p)
	hide(s)
	serveServer(s, ProtocolVersion)
}

// CallsOpen reports whether calls go through the Calls stream.
func (p *GRPCProvider) CallsOpen() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls != nil && !p.calls.broken()
}

// ServeWithoutRefreshPlan serves p as a plugin built after the Calls
// stream and before its RefreshPlan call.
func ServeWithoutRefreshPlan(p providers.Interface) {
	serveWithout(p, func(s *server) { s.withoutRefreshPlan = true })
}

// RefreshPlanOK reports whether RefreshPlan goes to the plugin in one
// call.
func (p *GRPCProvider) RefreshPlanOK() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refreshPlanOK
}
