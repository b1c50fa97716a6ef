package plugin

import (
	"context"
	"sync"
	"time"

	"github.com/zclconf/go-cty/cty"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/plugin/pluginpb"
)

// ApplyChange runs one change. The first message is the request; a later
// Cancel message, or the end of the call, cancels the change's context.
func (s *server) ApplyChange(stream grpc.BidiStreamingServer[pluginpb.ApplyChange_Call, pluginpb.ApplyChange_Event]) error {
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	req := first.GetRequest()
	if req == nil {
		return status.Error(codes.InvalidArgument, "ApplyChange: the first message must be the request")
	}
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()
	go func() {
		for {
			m, err := stream.Recv()
			if err != nil {
				return // end of the client's messages; the call's context covers the rest
			}
			if m.GetCancel() != nil {
				cancel()
				return
			}
		}
	}()

	final := func(diags providers.Diagnostics) error {
		return stream.Send(&pluginpb.ApplyChange_Event{
			TimeUnixNano: time.Now().UnixNano(),
			Event:        &pluginpb.ApplyChange_Event_Final{Final: &pluginpb.ApplyChange_Final{Diagnostics: diagsToProto(diags)}},
		})
	}
	ty, diags := s.kindType(ctx, req.GetKind())
	if diags.HasErrors() {
		return final(diags)
	}
	var prior, planned, cfg cty.Value
	if prior, err = decodeValue(req.GetPrior(), ty); err != nil {
		return final(badRequest("prior state", err))
	}
	if planned, err = decodeValue(req.GetPlanned(), ty); err != nil {
		return final(badRequest("planned value", err))
	}
	if cfg, err = decodeValue(req.GetConfig(), ty); err != nil {
		return final(badRequest("configuration", err))
	}

	// Events may come from the provider's goroutines: sends are serialised
	// and stop when ApplyChange returns.
	var mu sync.Mutex
	var sendErr error
	done := false
	events := func(e providers.Event) {
		mu.Lock()
		defer mu.Unlock()
		if done || sendErr != nil {
			return
		}
		pe, err := eventToProto(e, ty)
		if err != nil {
			sendErr = badResponse("partial state", req.GetAddress(), req.GetKind(), err)
			return
		}
		if pe != nil {
			sendErr = stream.Send(pe)
		}
	}
	r := s.impl.ApplyChange(ctx, providers.ApplyChangeRequest{
		Kind:           req.GetKind(),
		Address:        req.GetAddress(),
		Prior:          prior,
		PriorPrivate:   req.GetPriorPrivate(),
		Planned:        planned,
		PlannedPrivate: req.GetPlannedPrivate(),
		Config:         cfg,
		Sensitive:      pathsFromProto(req.GetSensitive()),
		Events:         events,
	})
	mu.Lock()
	done = true
	err = sendErr
	mu.Unlock()
	if err != nil {
		return err
	}
	nv, err := encodeValue(r.New, ty)
	if err != nil {
		return badResponse("new state", req.GetAddress(), req.GetKind(), err)
	}
	return stream.Send(&pluginpb.ApplyChange_Event{
		TimeUnixNano: time.Now().UnixNano(),
		Event: &pluginpb.ApplyChange_Event_Final{Final: &pluginpb.ApplyChange_Final{
			New: nv, Private: r.Private, Diagnostics: diagsToProto(r.Diagnostics),
		}},
	})
}

func eventToProto(e providers.Event, ty cty.Type) (*pluginpb.ApplyChange_Event, error) {
	ret := &pluginpb.ApplyChange_Event{TimeUnixNano: unixNano(e.Time)}
	if ret.TimeUnixNano == 0 {
		ret.TimeUnixNano = time.Now().UnixNano()
	}
	switch e.Type {
	case providers.EventLog:
		if e.Log == nil {
			return nil, nil
		}
		ret.Event = &pluginpb.ApplyChange_Event_Log{Log: &pluginpb.ApplyChange_LogLine{Source: e.Log.Source, Line: e.Log.Line}}
	case providers.EventProgress:
		if e.Progress == nil {
			return nil, nil
		}
		p := e.Progress
		ret.Event = &pluginpb.ApplyChange_Event_Progress{Progress: &pluginpb.ApplyChange_Progress{
			Message: p.Message, Step: p.Step, Total: p.Total, ElapsedNanos: int64(p.Elapsed), Metrics: p.Metrics,
		}}
	case providers.EventMetric:
		if e.Metric == nil {
			return nil, nil
		}
		ret.Event = &pluginpb.ApplyChange_Event_Metric{Metric: &pluginpb.ApplyChange_MetricPoint{Name: e.Metric.Name, Step: e.Metric.Step, Value: e.Metric.Value}}
	case providers.EventPartial:
		v, err := encodeValue(e.Partial, ty)
		if err != nil {
			return nil, err
		}
		ret.Event = &pluginpb.ApplyChange_Event_Partial{Partial: &pluginpb.ApplyChange_Partial{State: v, Private: e.PartialPrivate}}
	default:
		return nil, nil // an event type this protocol version does not carry
	}
	return ret, nil
}

func eventFromProto(pe *pluginpb.ApplyChange_Event, ty cty.Type) (providers.Event, error) {
	ret := providers.Event{}
	if pe.GetTimeUnixNano() != 0 {
		ret.Time = time.Unix(0, pe.GetTimeUnixNano())
	}
	switch e := pe.GetEvent().(type) {
	case *pluginpb.ApplyChange_Event_Log:
		ret.Type = providers.EventLog
		ret.Log = &providers.LogLine{Source: e.Log.GetSource(), Line: e.Log.GetLine()}
	case *pluginpb.ApplyChange_Event_Progress:
		ret.Type = providers.EventProgress
		p := e.Progress
		ret.Progress = &providers.Progress{
			Message: p.GetMessage(), Step: p.GetStep(), Total: p.GetTotal(),
			Elapsed: time.Duration(p.GetElapsedNanos()), Metrics: p.GetMetrics(),
		}
	case *pluginpb.ApplyChange_Event_Metric:
		ret.Type = providers.EventMetric
		ret.Metric = &providers.MetricPoint{Name: e.Metric.GetName(), Step: e.Metric.GetStep(), Value: e.Metric.GetValue()}
	case *pluginpb.ApplyChange_Event_Partial:
		v, err := decodeValue(e.Partial.GetState(), ty)
		if err != nil {
			return ret, err
		}
		ret.Type = providers.EventPartial
		ret.Partial = v
		ret.PartialPrivate = e.Partial.GetPrivate()
	}
	return ret, nil
}
