package plan

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/msgpack"

	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/state"
)

// PlanFormatVersion is the version of saved plan files; docs/json-format.md
// describes them.
const PlanFormatVersion = 1

// planFile is the encoded form of a Changeset. Values are cty msgpack with
// their types (so unknowns survive), base64 in JSON.
type planFile struct {
	FormatVersion int               `json:"format_version"`
	MltfVersion   string            `json:"mltf_version"`
	Created       time.Time         `json:"created"`
	Config        map[string]string `json:"config"`
	Variables     map[string][]byte `json:"variables"`
	Options       planFileOptions   `json:"options"`
	PriorLineage  string            `json:"prior_lineage"`
	PriorSerial   uint64            `json:"prior_serial"`
	PriorDigest   string            `json:"prior_digest"`
	Changes       []planFileChange  `json:"changes"`
	Outputs       []planFileOutput  `json:"outputs"`
	Drift         []string          `json:"drift,omitempty"`
	Applyable     bool              `json:"applyable"`
}

type planFileOptions struct {
	Destroy     bool     `json:"destroy,omitempty"`
	Refresh     bool     `json:"refresh"`
	Targets     []string `json:"targets,omitempty"`
	Replace     []string `json:"replace,omitempty"`
	Parallelism int      `json:"parallelism"`
}

type planFileChange struct {
	Address         string             `json:"address"`
	Deposed         string             `json:"deposed,omitempty"`
	Provider        string             `json:"provider"`
	Action          string             `json:"action"`
	Before          []byte             `json:"before"`
	After           []byte             `json:"after"`
	BeforePrivate   []byte             `json:"before_private,omitempty"`
	AfterPrivate    []byte             `json:"after_private,omitempty"`
	RequiresReplace [][]state.PathStep `json:"requires_replace,omitempty"`
	Sensitive       [][]state.PathStep `json:"sensitive,omitempty"`
	Reasons         []string           `json:"reasons,omitempty"`
	PriorStatus     string             `json:"prior_status,omitempty"`
	Dependencies    []string           `json:"dependencies,omitempty"`
	References      map[string]string  `json:"references,omitempty"`
}

type planFileOutput struct {
	Name      string `json:"name"`
	Before    []byte `json:"before,omitempty"`
	After     []byte `json:"after"`
	Sensitive bool   `json:"sensitive,omitempty"`
	Deleted   bool   `json:"deleted,omitempty"`
}

func encodeValue(v cty.Value) ([]byte, error) {
	if v == cty.NilVal {
		return nil, nil
	}
	v, _ = v.UnmarkDeep()
	return msgpack.Marshal(v, cty.DynamicPseudoType)
}

func decodeValue(b []byte) (cty.Value, error) {
	if b == nil {
		return cty.NilVal, nil
	}
	return msgpack.Unmarshal(b, cty.DynamicPseudoType)
}

// EncodePlan encodes a changeset as a saved plan file.
func EncodePlan(cs *Changeset, mltfVersion string) ([]byte, error) {
	digest := cs.PriorDigest
	if digest == "" && cs.Prior != nil {
		d, err := cs.Prior.Digest()
		if err != nil {
			return nil, fmt.Errorf("cannot record the prior state's digest: %w", err)
		}
		digest = d
	}
	pf := planFile{
		FormatVersion: PlanFormatVersion,
		MltfVersion:   mltfVersion,
		Created:       cs.Created,
		Config:        map[string]string{},
		Variables:     map[string][]byte{},
		Options: planFileOptions{
			Destroy: cs.Options.Destroy, Refresh: cs.Options.Refresh, Parallelism: cs.Options.Parallelism,
		},
		PriorLineage: cs.PriorLineage,
		PriorSerial:  cs.PriorSerial,
		PriorDigest:  digest,
		Drift:        cs.Drift,
		Applyable:    cs.Applyable,
	}
	for name, src := range cs.Config.Sources {
		pf.Config[name] = string(src)
	}
	for name, v := range cs.Variables {
		b, err := encodeValue(v)
		if err != nil {
			return nil, fmt.Errorf("encoding variable %s: %w", name, err)
		}
		pf.Variables[name] = b
	}
	for _, t := range cs.Options.Targets {
		pf.Options.Targets = append(pf.Options.Targets, t.String())
	}
	for _, r := range cs.Options.Replace {
		pf.Options.Replace = append(pf.Options.Replace, r.String())
	}
	for _, c := range cs.Changes {
		before, err := encodeValue(c.Before)
		if err != nil {
			return nil, fmt.Errorf("encoding %s: %w", c.Addr, err)
		}
		after, err := encodeValue(c.After)
		if err != nil {
			return nil, fmt.Errorf("encoding %s: %w", c.Addr, err)
		}
		pf.Changes = append(pf.Changes, planFileChange{
			Address: c.Addr.String(), Deposed: c.Deposed, Provider: c.Provider, Action: string(c.Action),
			Before: before, After: after, BeforePrivate: c.BeforePrivate, AfterPrivate: c.AfterPrivate,
			RequiresReplace: state.EncodePaths(c.RequiresReplace), Sensitive: state.EncodePaths(c.Sensitive),
			Reasons: c.Reasons, PriorStatus: string(c.PriorStatus), Dependencies: c.Dependencies,
			References: c.References,
		})
	}
	for _, o := range cs.Outputs {
		before, err := encodeValue(o.Before)
		if err != nil {
			return nil, err
		}
		after, err := encodeValue(o.After)
		if err != nil {
			return nil, err
		}
		pf.Outputs = append(pf.Outputs, planFileOutput{Name: o.Name, Before: before, After: after, Sensitive: o.Sensitive, Deleted: o.Deleted})
	}
	return json.MarshalIndent(pf, "", " ")
}

// DecodePlan decodes a saved plan file; its configuration is loaded from
// the sources it carries, with relative paths resolved against dir and the
// kinds of kindTable.
func DecodePlan(b []byte, dir string, kindTable lang.KindTable) (*Changeset, hcl.Diagnostics) {
	bad := func(format string, args ...any) (*Changeset, hcl.Diagnostics) {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid plan file", Detail: fmt.Sprintf(format, args...)}}
	}
	var pf planFile
	if err := json.Unmarshal(b, &pf); err != nil {
		return bad("The file is not a saved mltf plan (%s). Create one with mltf plan -out FILE.", err)
	}
	if pf.FormatVersion != PlanFormatVersion {
		return bad("The plan file has format version %d, but this mltf (%s) reads version %d. Plan again with this mltf.", pf.FormatVersion, pf.MltfVersion, PlanFormatVersion)
	}
	if len(pf.Config) == 0 {
		return bad("The plan file holds no configuration.")
	}
	sources := map[string][]byte{}
	for name, src := range pf.Config {
		sources[name] = []byte(src)
	}
	cfg, diags := lang.LoadSources(dir, sources, kindTable)
	if diags.HasErrors() {
		return nil, diags
	}
	cs := &Changeset{
		Config:       cfg,
		Variables:    map[string]cty.Value{},
		PriorLineage: pf.PriorLineage,
		PriorSerial:  pf.PriorSerial,
		PriorDigest:  pf.PriorDigest,
		Drift:        pf.Drift,
		Applyable:    pf.Applyable,
		Created:      pf.Created,
		Options: Options{
			Destroy: pf.Options.Destroy, Refresh: pf.Options.Refresh, Parallelism: pf.Options.Parallelism,
		},
	}
	for name, raw := range pf.Variables {
		v, err := decodeValue(raw)
		if err != nil || v == cty.NilVal {
			return bad("The value of variable %q cannot be decoded.", name)
		}
		cs.Variables[name] = v
	}
	cs.Options.Variables = cs.Variables
	for _, s := range pf.Options.Targets {
		a, ds := lang.ParseInstanceAddr(s, cfg.Kinds)
		if ds.HasErrors() {
			return bad("Invalid target %q.", s)
		}
		cs.Options.Targets = append(cs.Options.Targets, a)
	}
	for _, s := range pf.Options.Replace {
		a, ds := lang.ParseInstanceAddr(s, cfg.Kinds)
		if ds.HasErrors() {
			return bad("Invalid replace address %q.", s)
		}
		cs.Options.Replace = append(cs.Options.Replace, a)
	}
	// A deletion may be of a kind that no required provider serves now.
	changeKinds := cfg.Kinds
	for _, c := range pf.Changes {
		kind, _, _ := strings.Cut(c.Address, ".")
		changeKinds = changeKinds.WithRecorded(kind, c.Provider)
	}
	for _, c := range pf.Changes {
		addr, ds := lang.ParseInstanceAddr(c.Address, changeKinds)
		if ds.HasErrors() {
			return bad("Invalid address %q.", c.Address)
		}
		before, err := decodeValue(c.Before)
		if err != nil {
			return bad("The prior value of %s cannot be decoded: %s.", c.Address, err)
		}
		after, err := decodeValue(c.After)
		if err != nil {
			return bad("The planned value of %s cannot be decoded: %s.", c.Address, err)
		}
		act := Action(c.Action)
		switch act {
		case NoOp, Create, Update, DeleteThenCreate, CreateThenDelete, Delete, Read:
		default:
			return bad("Unknown action %q for %s.", c.Action, c.Address)
		}
		if c.Deposed != "" && (act != Delete || state.CheckDeposedKey(c.Deposed) != nil) {
			return bad("Invalid deposed object %q of %s: a deposed object is only destroyed.", c.Deposed, c.Address)
		}
		cs.Changes = append(cs.Changes, &Change{
			Addr: addr, Deposed: c.Deposed, Provider: c.Provider, Action: act,
			Before: before, After: after, BeforePrivate: c.BeforePrivate, AfterPrivate: c.AfterPrivate,
			RequiresReplace: state.DecodePaths(c.RequiresReplace), Sensitive: state.DecodePaths(c.Sensitive),
			Reasons: c.Reasons, PriorStatus: state.Status(c.PriorStatus), Dependencies: c.Dependencies,
			References: c.References,
		})
	}
	for _, o := range pf.Outputs {
		before, err := decodeValue(o.Before)
		if err != nil {
			return bad("The output %q cannot be decoded.", o.Name)
		}
		after, err := decodeValue(o.After)
		if err != nil || after == cty.NilVal {
			return bad("The output %q cannot be decoded.", o.Name)
		}
		cs.Outputs = append(cs.Outputs, &OutputChange{Name: o.Name, Before: before, After: after, Sensitive: o.Sensitive, Deleted: o.Deleted})
	}
	return cs, nil
}

// CheckPrior refuses a saved plan made against another state than st: one
// whose serial moved (something was applied since), of another lineage, or
// whose content changed at the same serial (an interrupted apply recorded
// instances or deposed objects in the journal since). A new, empty state's
// lineage is not yet fixed, so only its serial and content count.
func (cs *Changeset) CheckPrior(st *state.State) hcl.Diagnostics {
	stale := func(why string) hcl.Diagnostics {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Saved plan is stale",
			Detail: fmt.Sprintf("The plan was made against state serial %d (lineage %s), but the state is now at serial %d (lineage %s): %s. Nothing was changed; run mltf plan again.",
				cs.PriorSerial, cs.PriorLineage, st.Serial, st.Lineage, why),
		}}
	}
	switch {
	case cs.PriorLineage != st.Lineage && st.Serial > 0:
		return stale("it belongs to another state (another workspace or configuration)")
	case cs.PriorSerial != st.Serial:
		return stale("something was applied since")
	case cs.PriorDigest == "":
		return stale("the plan file records no digest of that state (an older mltf wrote it)")
	}
	if d, err := st.Digest(); err != nil || d != cs.PriorDigest {
		return stale("its objects changed since, at the same serial (an apply that was interrupted recorded instances or deposed objects in the state journal), so the plan no longer shows what applying it would do")
	}
	return nil
}
