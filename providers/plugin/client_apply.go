package plugin

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/plugin/pluginpb"
)

// ApplyChange runs the change in the plugin, passing its events to
// req.Events. When ctx is cancelled the plugin is asked to cancel the
// change and still send its final state; after the cancel grace the call
// is cut and the response carries only a diagnostic.
func (p *GRPCProvider) ApplyChange(ctx context.Context, req providers.ApplyChangeRequest) providers.ApplyChangeResponse {
	ty, diags := p.kindType(ctx, req.Kind)
	if diags.HasErrors() {
		return providers.ApplyChangeResponse{Diagnostics: diags}
	}
	preq := &pluginpb.ApplyChange_Request{
		Kind: req.Kind, Address: req.Address,
		PriorPrivate: req.PriorPrivate, PlannedPrivate: req.PlannedPrivate,
		Sensitive: pathsToProto(req.Sensitive),
	}
	var err error
	if preq.Prior, err = encodeValue(req.Prior, ty); err != nil {
		return providers.ApplyChangeResponse{Diagnostics: p.encodeErr("ApplyChange", req.Address, "prior state", err)}
	}
	if preq.Planned, err = encodeValue(req.Planned, ty); err != nil {
		return providers.ApplyChangeResponse{Diagnostics: p.encodeErr("ApplyChange", req.Address, "planned value", err)}
	}
	if preq.Config, err = encodeValue(req.Config, ty); err != nil {
		return providers.ApplyChangeResponse{Diagnostics: p.encodeErr("ApplyChange", req.Address, "configuration", err)}
	}

	// The call has its own context so that cancelling ctx first asks the
	// plugin to cancel (and send its final state) before cutting the call.
	sctx, cut := context.WithCancel(context.WithoutCancel(ctx))
	defer cut()
	stream, err := p.client.ApplyChange(sctx)
	if err == nil {
		err = stream.Send(&pluginpb.ApplyChange_Call{Call: &pluginpb.ApplyChange_Call_Request{Request: preq}})
	}
	if err != nil {
		return providers.ApplyChangeResponse{Diagnostics: p.fault(ctx, sctx, "ApplyChange", req.Address, err)}
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-done:
			return
		case <-ctx.Done():
		}
		_ = stream.Send(&pluginpb.ApplyChange_Call{Call: &pluginpb.ApplyChange_Call_Cancel{Cancel: &pluginpb.ApplyChange_Cancel{}}})
		t := time.NewTimer(p.cancelGrace)
		defer t.Stop()
		select {
		case <-done:
		case <-t.C:
			cut()
		}
	}()

	for {
		ev, err := stream.Recv()
		if err == io.EOF {
			return providers.ApplyChangeResponse{Diagnostics: providers.Diagnostics(nil).Errorf(
				fmt.Sprintf("Provider %q ended a change without its result", p.name),
				"In %s: the plugin closed the event stream without a final state. This is a bug in the provider.%s",
				callName("ApplyChange", req.Address), p.tailDetail())}
		}
		if err != nil {
			return providers.ApplyChangeResponse{Diagnostics: p.fault(ctx, sctx, "ApplyChange", req.Address, err)}
		}
		if f := ev.GetFinal(); f != nil {
			nv, err := decodeValue(f.GetNew(), ty)
			if err != nil {
				return providers.ApplyChangeResponse{Diagnostics: p.badValue("ApplyChange", req.Address, req.Kind, "new state", err)}
			}
			return providers.ApplyChangeResponse{New: nv, Private: f.GetPrivate(), Diagnostics: diagsFromProto(f.GetDiagnostics())}
		}
		e, err := eventFromProto(ev, ty)
		if err != nil {
			cut()
			return providers.ApplyChangeResponse{Diagnostics: p.badValue("ApplyChange", req.Address, req.Kind, "partial state", err)}
		}
		if e.Type != 0 && req.Events != nil {
			req.Events(e)
		}
	}
}
