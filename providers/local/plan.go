package local

import (
	"context"
	"fmt"
	"strings"

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
		attr := cty.GetAttrPath("code")
		if strings.HasPrefix(err.Error(), "data.") {
			attr = cty.GetAttrPath("data")
		}
		resp.Diagnostics = resp.Diagnostics.AttrError(attr, "Cannot fingerprint the training", err.Error())
		resp.Planned = trainingkind.ObjectWith(req.Config, trainingkind.UnknownFacts(cty.UnknownVal(cty.String)))
		return resp
	}
	fp := cty.UnknownVal(cty.String)
	if in != nil {
		fp = cty.StringVal(in.Fingerprint())
	}
	priv := privateData{Inputs: in, Code: code}

	if !req.Prior.IsNull() {
		prior := trainingkind.FactsOf(req.Prior)
		priorPriv := decodePrivate(req.PriorPrivate)
		same := in != nil && prior.Fingerprint == in.Fingerprint()
		switch {
		case same && prior.Status == trainingkind.StatusRunning:
			facts := trainingkind.PriorFacts(req.Prior)
			for _, a := range []string{"status", "metrics", "artifact_uri", "restarts", "finished_at"} {
				facts[a] = trainingkind.UnknownFacts(fp)[a]
			}
			resp.Planned = trainingkind.ObjectWith(req.Config, facts)
			resp.Reasons = []string{fmt.Sprintf("re-attaches to run %s…, still running", trainingkind.Short(prior.RunID))}
			priv.Adopted = priorPriv.Adopted
			resp.PlannedPrivate = priv.encode()
			return resp
		case same && prior.Status == trainingkind.StatusFinished:
			resp.Planned = trainingkind.ObjectWith(req.Config, trainingkind.PriorFacts(req.Prior))
			priv.Adopted = priorPriv.Adopted
			resp.PlannedPrivate = priv.encode()
			return resp
		case same:
			resp.RequiresReplace = []cty.Path{cty.GetAttrPath("status")}
			resp.Reasons = []string{fmt.Sprintf("run %s… %s; a new run starts", trainingkind.Short(prior.RunID), prior.Status)}
		case in == nil:
			resp.RequiresReplace = []cty.Path{cty.GetAttrPath("fingerprint")}
			resp.Reasons = []string{fmt.Sprintf("fingerprint known after apply (%s not known yet)", strings.Join(c.Unknown, ", "))}
		default:
			resp.RequiresReplace = []cty.Path{cty.GetAttrPath("fingerprint")}
			if priorPriv.Inputs != nil {
				resp.Reasons = trainingkind.ChangeReasons(priorPriv.Inputs, in, priorPriv.Code, code)
			}
			if len(resp.Reasons) == 0 {
				resp.Reasons = []string{fmt.Sprintf("fingerprint %s -> %s", trainingkind.Short(prior.Fingerprint), trainingkind.Short(in.Fingerprint()))}
			}
		}
	}

	// A new run, unless a finished one with the same fingerprint exists.
	if in != nil {
		if found, ok := p.findFinished(ctx, tracker, settings, in.Fingerprint()); ok {
			resp.Planned = trainingkind.ObjectWith(req.Config, found.Values())
			resp.Reasons = append(resp.Reasons, fmt.Sprintf("reuses finished run %s… with the same fingerprint", trainingkind.Short(found.RunID)))
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
