package local

import (
	"context"
	"fmt"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers"
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
		resp.Planned = objectWith(req.Config, unknownFacts(cty.UnknownVal(cty.String)))
		return resp
	}
	in, code, _, err := plannedInputs(c, settings.WorkDir)
	if err != nil {
		attr := cty.GetAttrPath("code")
		if strings.HasPrefix(err.Error(), "data.") {
			attr = cty.GetAttrPath("data")
		}
		resp.Diagnostics = resp.Diagnostics.AttrError(attr, "Cannot fingerprint the training", err.Error())
		resp.Planned = objectWith(req.Config, unknownFacts(cty.UnknownVal(cty.String)))
		return resp
	}
	fp := cty.UnknownVal(cty.String)
	if in != nil {
		fp = cty.StringVal(in.fingerprint())
	}
	priv := privateData{Inputs: in, Code: code}

	if !req.Prior.IsNull() {
		prior := factsOf(req.Prior)
		priorPriv := decodePrivate(req.PriorPrivate)
		same := in != nil && prior.Fingerprint == in.fingerprint()
		switch {
		case same && prior.Status == statusRunning:
			facts := priorFacts(req.Prior)
			for _, a := range []string{"status", "metrics", "artifact_uri", "restarts", "finished_at"} {
				facts[a] = unknownFacts(fp)[a]
			}
			resp.Planned = objectWith(req.Config, facts)
			resp.Reasons = []string{fmt.Sprintf("re-attaches to run %s…, still running", short(prior.RunID))}
			priv.Adopted = priorPriv.Adopted
			resp.PlannedPrivate = priv.encode()
			return resp
		case same && prior.Status == statusFinished:
			resp.Planned = objectWith(req.Config, priorFacts(req.Prior))
			priv.Adopted = priorPriv.Adopted
			resp.PlannedPrivate = priv.encode()
			return resp
		case same:
			resp.RequiresReplace = []cty.Path{cty.GetAttrPath("status")}
			resp.Reasons = []string{fmt.Sprintf("run %s… %s; a new run starts", short(prior.RunID), prior.Status)}
		case in == nil:
			resp.RequiresReplace = []cty.Path{cty.GetAttrPath("fingerprint")}
			resp.Reasons = []string{fmt.Sprintf("fingerprint known after apply (%s not known yet)", strings.Join(c.Unknown, ", "))}
		default:
			resp.RequiresReplace = []cty.Path{cty.GetAttrPath("fingerprint")}
			if priorPriv.Inputs != nil {
				resp.Reasons = changeReasons(priorPriv.Inputs, in, priorPriv.Code, code)
			}
			if len(resp.Reasons) == 0 {
				resp.Reasons = []string{fmt.Sprintf("fingerprint %s -> %s", short(prior.Fingerprint), short(in.fingerprint()))}
			}
		}
	}

	// A new run, unless a finished one with the same fingerprint exists.
	if in != nil {
		if found, ok := p.findFinished(ctx, tracker, settings, in.fingerprint()); ok {
			resp.Planned = objectWith(req.Config, found.values())
			resp.Reasons = append(resp.Reasons, fmt.Sprintf("reuses finished run %s… with the same fingerprint", short(found.RunID)))
			priv.Reuse = found.RunID
			resp.PlannedPrivate = priv.encode()
			return resp
		}
	}
	resp.Planned = objectWith(req.Config, unknownFacts(fp))
	if req.Prior.IsNull() {
		resp.Reasons = append(resp.Reasons, "new run: "+shape(c.Nodes, c.ProcsPerNode, c.ResolvedBackend()))
	}
	resp.PlannedPrivate = priv.encode()
	return resp
}

// priorFacts are the computed attributes of a prior value as they are,
// so that an unchanged training plans to an equal value.
func priorFacts(prior cty.Value) map[string]cty.Value {
	m := map[string]cty.Value{}
	for _, a := range computedAttrs {
		m[a] = getPath(prior, cty.GetAttrPath(a))
		if m[a].Type() == cty.DynamicPseudoType && m[a].IsNull() {
			m[a] = runFacts{}.values()[a]
		}
	}
	return m
}
