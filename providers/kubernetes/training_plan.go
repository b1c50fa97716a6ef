package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers"
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
		resp.Planned = objectWith(req.Config, unknownFacts(cty.UnknownVal(cty.String)))
		return resp
	}
	in, code, data, err := plannedInputs(c, settings.WorkDir)
	if err != nil {
		at := attr("code")
		if strings.HasPrefix(err.Error(), "data.") {
			at = attr("data")
		}
		resp.Diagnostics = resp.Diagnostics.AttrError(at, "Cannot fingerprint the training", err.Error())
		resp.Planned = objectWith(req.Config, unknownFacts(cty.UnknownVal(cty.String)))
		return resp
	}
	if in != nil && !c.Options.CodeInImage {
		if _, err := archive(codePath(c, settings.WorkDir), code); err != nil {
			resp.Diagnostics = resp.Diagnostics.AttrError(attr("code"), "Cannot ship the code", err.Error())
		}
	}
	if req.Prior.IsNull() {
		resp.Diagnostics = append(resp.Diagnostics, podWarnings(c, data)...)
	}
	fp := cty.UnknownVal(cty.String)
	if in != nil {
		fp = cty.StringVal(in.fingerprint())
	}
	priv := privateData{Inputs: in, Code: code}

	if !req.Prior.IsNull() {
		prior := factsOf(req.Prior)
		pp := decodePrivate(req.PriorPrivate)
		priv.Namespace, priv.Job, priv.Attempt, priv.Adopted = pp.Namespace, pp.Job, pp.Attempt, pp.Adopted
		same := in != nil && prior.Fingerprint == in.fingerprint()
		switch {
		case same && prior.Status == statusRunning:
			facts := priorFacts(req.Prior)
			for _, a := range []string{"status", "metrics", "artifact_uri", "restarts", "finished_at"} {
				facts[a] = unknownFacts(fp)[a]
			}
			resp.Planned = objectWith(req.Config, facts)
			resp.Reasons = []string{fmt.Sprintf("re-attaches to run %s…, still running (Job %s/%s)", short(prior.RunID), pp.Namespace, pp.Job)}
			resp.PlannedPrivate = priv.encode()
			return resp
		case same && prior.Status == statusFinished:
			resp.Planned = objectWith(req.Config, priorFacts(req.Prior))
			resp.PlannedPrivate = priv.encode()
			return resp
		case same:
			resp.RequiresReplace = []cty.Path{attr("status")}
			resp.Reasons = []string{fmt.Sprintf("run %s… %s; a new run starts", short(prior.RunID), prior.Status)}
		case in == nil:
			resp.RequiresReplace = []cty.Path{attr("fingerprint")}
			resp.Reasons = []string{fmt.Sprintf("fingerprint known after apply (%s not known yet)", strings.Join(c.Unknown, ", "))}
		default:
			resp.RequiresReplace = []cty.Path{attr("fingerprint")}
			if pp.Inputs != nil {
				resp.Reasons = changeReasons(pp.Inputs, in, pp.Code, code)
			}
			if len(resp.Reasons) == 0 {
				resp.Reasons = []string{fmt.Sprintf("fingerprint %s -> %s", short(prior.Fingerprint), short(in.fingerprint()))}
			}
		}
		priv.Namespace, priv.Job, priv.Attempt, priv.Adopted = "", "", 0, false
	}

	if in != nil && tracker != nil {
		if r, err := tracker.FindRunByFingerprint(ctx, in.fingerprint()); err == nil && r.Status == tracking.StatusFinished {
			f := runFacts{RunID: r.ID, Fingerprint: r.Fingerprint, Status: statusFinished, Metrics: r.Metrics,
				ArtifactURI: r.ArtifactURI, Restarts: r.Restarts, Started: r.Started, Finished: r.Finished}
			resp.Planned = objectWith(req.Config, f.values())
			resp.Reasons = append(resp.Reasons, fmt.Sprintf("reuses finished run %s… with the same fingerprint", short(r.ID)))
			priv.Reuse = r.ID
			resp.PlannedPrivate = priv.encode()
			return resp
		} else if err != nil && !errors.Is(err, tracking.ErrNotFound) {
			resp.Diagnostics = append(resp.Diagnostics, providers.Diagnostic{Severity: providers.Warning,
				Summary: "Cannot look for an earlier run", Detail: err.Error()})
		}
	}
	resp.Planned = objectWith(req.Config, unknownFacts(fp))
	if req.Prior.IsNull() {
		ns := c.Namespace()
		if ns == "" {
			ns = "the pool's namespace"
		}
		resp.Reasons = append(resp.Reasons, fmt.Sprintf("new run: %s, an Indexed Job of %d %s and a headless Service in %s",
			shape(c.Nodes, c.ProcsPerNode, c.ResolvedBackend()), c.Nodes, plural(c.Nodes, "pod", "pods"), ns))
	}
	resp.PlannedPrivate = priv.encode()
	return resp
}

// podWarnings are what will not work as the user may expect on a cluster.
func podWarnings(c *trainingConfig, data map[string]dataRef) providers.Diagnostics {
	var diags providers.Diagnostics
	for _, name := range sortedKeys(data) {
		if r := data[name]; r.Known && isLocal(r.Location) {
			diags = append(diags, providers.Diagnostic{Severity: providers.Warning, Attribute: attr("data").Index(cty.StringVal(name)),
				Summary: "Local data on a cluster",
				Detail:  fmt.Sprintf("data.%s is a file of this machine (%s), which pods cannot read; use an object-store URI, or ship it inside code or the image.", name, r.Location)})
		}
	}
	if c.Options.CheckpointVolume == "" && c.Options.CheckpointURI == "" && c.RetryInfra+c.RetryUser > 0 {
		diags = append(diags, providers.Diagnostic{Severity: providers.Warning, Attribute: attr("options"),
			Summary: "Checkpoints do not survive a restart",
			Detail:  "without options { checkpoint_volume } or { checkpoint_uri } checkpoints live in the pods, so a gang restart starts the training over; name a ReadWriteMany PersistentVolumeClaim or an object-store URI."})
	}
	return diags
}
