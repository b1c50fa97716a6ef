package local

import (
	"context"
	"fmt"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/trainingkind"
)

func (p *Provider) planTraining(ctx context.Context, req providers.PlanChangeRequest) providers.PlanChangeResponse {
	var resp providers.PlanChangeResponse
	if req.Config.IsNull() {
		resp.Planned = cty.NullVal(trainingSchema().ImpliedType())
		return resp
	}
	settings, tracker := p.config()
	c, diags := decodeTraining(req.Config)
	resp.Diagnostics = diags
	if diags.HasErrors() {
		resp.Planned = trainingkind.ObjectWith(req.Config, trainingkind.UnknownFacts(cty.UnknownVal(cty.String)))
		return resp
	}
	in, code, _, err := plannedInputs(c, settings.WorkDir)
	if err != nil {
		resp.Diagnostics = resp.Diagnostics.AttrError(trainingkind.InputsErrorPath(err), "Cannot fingerprint the training", err.Error())
		resp.Planned = trainingkind.ObjectWith(req.Config, trainingkind.UnknownFacts(cty.UnknownVal(cty.String)))
		return resp
	}
	fp := cty.UnknownVal(cty.String)
	if in != nil {
		fp = cty.StringVal(in.Fingerprint())
	}
	priv := privateData{Inputs: in, Code: code}

	if !req.Prior.IsNull() {
		priorPriv := decodePrivate(req.PriorPrivate)
		prior := trainingkind.ComparePrior(req.Prior, in, code, priorPriv.Inputs, priorPriv.Code, c.Unknown)
		if prior.Keep {
			resp.Planned = trainingkind.ObjectWith(req.Config, prior.Planned)
			if prior.Running {
				resp.Reasons = []string{fmt.Sprintf("re-attaches to run %s…, still running", trainingkind.Short(prior.Facts.RunID))}
			}
			priv.Adopted = priorPriv.Adopted
			resp.PlannedPrivate = priv.encode()
			return resp
		}
		resp.RequiresReplace, resp.Reasons = prior.RequiresReplace, prior.Reasons
	}

	// A new run, unless a finished one with the same fingerprint exists.
	if in != nil {
		if found, ok := p.findFinished(ctx, tracker, settings, in.Fingerprint()); ok {
			resp.Planned = trainingkind.ObjectWith(req.Config, found.Values())
			resp.Reasons = append(resp.Reasons, trainingkind.ReuseReason(found.RunID))
			priv.Reuse = found.RunID
			resp.PlannedPrivate = priv.encode()
			return resp
		}
	}
	resp.Planned = trainingkind.ObjectWith(req.Config, trainingkind.UnknownFacts(fp))
	if req.Prior.IsNull() {
		resp.Reasons = append(resp.Reasons, "new run: "+trainingkind.Shape(c.Nodes, c.ProcsPerNode, c.ResolvedBackend()))
	}
	resp.PlannedPrivate = priv.encode()
	return resp
}
