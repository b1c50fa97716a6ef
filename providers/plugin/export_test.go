package plugin

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
