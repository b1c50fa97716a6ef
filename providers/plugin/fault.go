package plugin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/mltf/mltf/providers"
)

// exitWait is how long a fault waits for a dying plugin to exit, so that
// its last stderr lines (a panic's stack) are in the diagnostic.
const exitWait = 3 * time.Second

// callName names a call for a message: "PlanChange of training.mlp".
func callName(call, address string) string {
	if address == "" {
		return call
	}
	return call + " of " + address
}

func (p *GRPCProvider) tailDetail() string {
	if s := p.stderr.String(); s != "" {
		return "\n\n" + s
	}
	return ""
}

// fault turns a failed call into a diagnostic naming the provider, the
// call and the resource, with the plugin's last stderr lines. ctx is the
// caller's context, cctx the call's (which may carry the call timeout).
func (p *GRPCProvider) fault(ctx, cctx context.Context, call, address string, err error) providers.Diagnostics {
	what := callName(call, address)
	st, _ := status.FromError(err)
	var summary, detail string
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		summary = "Cancelled"
		detail = fmt.Sprintf("%s by provider %q was cancelled before it finished.", what, p.name)
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		summary = fmt.Sprintf("Provider %q did not answer in time", p.name)
		detail = fmt.Sprintf("%s did not finish before its deadline.", what)
	case errors.Is(cctx.Err(), context.DeadlineExceeded) || st.Code() == codes.DeadlineExceeded:
		summary = fmt.Sprintf("Provider %q did not answer in time", p.name)
		detail = fmt.Sprintf("%s did not finish within %s; the provider may be hung.", what, p.callTimeout)
	case p.exitedAfterFault(st.Code()):
		summary = fmt.Sprintf("Provider %q crashed", p.name)
		detail = fmt.Sprintf("The provider's plugin process exited during %s. Everything finished before it is kept; fix or upgrade the provider and run the command again.", what)
	case st.Code() == codes.Internal || st.Code() == codes.Unknown:
		summary = fmt.Sprintf("Provider %q failed", p.name)
		detail = fmt.Sprintf("In %s: %s.", what, st.Message())
	default:
		summary = fmt.Sprintf("Provider %q failed", p.name)
		detail = fmt.Sprintf("%s failed: %s (%s).", what, st.Message(), st.Code())
	}
	return providers.Diagnostics(nil).Errorf(summary, "%s%s", detail, p.tailDetail())
}

// exitedAfterFault reports whether the plugin process is gone, waiting a
// little for it when the error says the connection broke.
func (p *GRPCProvider) exitedAfterFault(code codes.Code) bool {
	if p.pc == nil {
		return false
	}
	if code != codes.Unavailable && code != codes.Canceled && code != codes.Internal && code != codes.Unknown {
		return p.pc.Exited()
	}
	deadline := time.Now().Add(exitWait)
	for !p.pc.Exited() {
		if code != codes.Unavailable || time.Now().After(deadline) {
			return p.pc.Exited()
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}
