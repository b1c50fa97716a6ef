package kubernetes

import (
	"context"
	"errors"
	"fmt"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/trainingkind"
	"github.com/mltf/mltf/state/tracking"
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
	in, code, data, err := plannedInputs(c, settings.WorkDir)
	if err != nil {
		resp.Diagnostics = resp.Diagnostics.AttrError(trainingkind.InputsErrorPath(err), "Cannot fingerprint the training", err.Error())
		resp.Planned = trainingkind.ObjectWith(req.Config, trainingkind.UnknownFacts(cty.UnknownVal(cty.String)))
		return resp
	}
	if in != nil && !c.Options.CodeInImage {
		if _, err := archive(c.CodePath(settings.WorkDir), code); err != nil {
			resp.Diagnostics = resp.Diagnostics.AttrError(trainingkind.Attr("code"), "Cannot ship the code", err.Error())
		}
	}
	if req.Prior.IsNull() {
		resp.Diagnostics = append(resp.Diagnostics, podWarnings(c, data)...)
	}
	fp := cty.UnknownVal(cty.String)
	if in != nil {
		fp = cty.StringVal(in.Fingerprint())
	}
	priv := privateData{Inputs: in, Code: code}

	if !req.Prior.IsNull() {
		pp := decodePrivate(req.PriorPrivate)
		prior := trainingkind.ComparePrior(req.Prior, in, code, pp.Inputs, pp.Code, c.Unknown)
		if prior.Keep {
			priv.Namespace, priv.Job, priv.Attempt, priv.Adopted = pp.Namespace, pp.Job, pp.Attempt, pp.Adopted
			resp.Planned = trainingkind.ObjectWith(req.Config, prior.Planned)
			if prior.Running {
				resp.Reasons = []string{fmt.Sprintf("re-attaches to run %s…, still running (Job %s/%s)", trainingkind.Short(prior.Facts.RunID), pp.Namespace, pp.Job)}
			}
			resp.PlannedPrivate = priv.encode()
			return resp
		}
		resp.RequiresReplace, resp.Reasons = prior.RequiresReplace, prior.Reasons
	}

	if in != nil && tracker != nil {
		if r, err := tracker.FindRunByFingerprint(ctx, in.Fingerprint()); err == nil && r.Status == tracking.StatusFinished {
			f := trainingkind.RunFacts{RunID: r.ID, Fingerprint: r.Fingerprint, Status: statusFinished, Metrics: r.Metrics,
				ArtifactURI: r.ArtifactURI, Restarts: r.Restarts, Started: r.Started, Finished: r.Finished}
			resp.Planned = trainingkind.ObjectWith(req.Config, f.Values())
			resp.Reasons = append(resp.Reasons, trainingkind.ReuseReason(r.ID))
			priv.Reuse = r.ID
			resp.PlannedPrivate = priv.encode()
			return resp
		} else if err != nil && !errors.Is(err, tracking.ErrNotFound) {
			resp.Diagnostics = append(resp.Diagnostics, providers.Diagnostic{Severity: providers.Warning,
				Summary: "Cannot look for an earlier run", Detail: err.Error()})
		}
	}
	resp.Planned = trainingkind.ObjectWith(req.Config, trainingkind.UnknownFacts(fp))
	if req.Prior.IsNull() {
		ns := c.Namespace()
		if ns == "" {
			ns = "the pool's namespace"
		}
		resp.Reasons = append(resp.Reasons, fmt.Sprintf("new run: %s, an Indexed Job of %d %s and a headless Service in %s",
			trainingkind.Shape(c.Nodes, c.ProcsPerNode, c.ResolvedBackend()), c.Nodes, trainingkind.Plural(c.Nodes, "pod", "pods"), ns))
	}
	resp.PlannedPrivate = priv.encode()
	return resp
}

// podWarnings are what will not work as the user may expect on a cluster.
func podWarnings(c *trainingConfig, data map[string]trainingkind.DataRef) providers.Diagnostics {
	var diags providers.Diagnostics
	for _, name := range trainingkind.SortedKeys(data) {
		if r := data[name]; r.Known && trainingkind.IsLocal(r.Location) {
			diags = append(diags, providers.Diagnostic{Severity: providers.Warning, Attribute: trainingkind.Attr("data").Index(cty.StringVal(name)),
				Summary: "Local data on a cluster",
				Detail:  fmt.Sprintf("data.%s is a file of this machine (%s), which pods cannot read; use an object-store URI, or ship it inside code or the image.", name, r.Location)})
		}
	}
	if c.Options.CheckpointVolume == "" && c.Options.CheckpointURI == "" && c.RetryInfra+c.RetryUser > 0 {
		diags = append(diags, providers.Diagnostic{Severity: providers.Warning, Attribute: trainingkind.Attr("options"),
			Summary: "Checkpoints do not survive a restart",
			Detail:  "without options { checkpoint_volume } or { checkpoint_uri } checkpoints live in the pods, so a gang restart starts the training over; name a ReadWriteMany PersistentVolumeClaim or an object-store URI."})
	}
	return diags
}
